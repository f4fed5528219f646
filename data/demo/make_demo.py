"""Generate the fictional demo data set that `make run` loads into an empty database.

Why this exists: a fresh checkout has no mailbox or Instagram account to ingest from, yet the
queue, the dashboard and the threading logic only make sense with a few hundred realistic
messages in them. This script writes them deterministically (fixed seed, stdlib only) to
``messages.jsonl`` next to it, so the demo is reproducible and reviewable as a diff.

Every person, address, phone and account number below is invented; e-mail addresses use the
reserved example.com/.net/.org domains. The ``label`` field is the intended category (see
``triage/taxonomy.py`` and the borderline rules in the design notes); the importer ignores it.

Run from the repository root:  .venv/bin/python data/demo/make_demo.py
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20261127
OUT = Path(__file__).with_name("messages.jsonl")

WIB = timezone(timedelta(hours=7), "WIB")
WITA = timezone(timedelta(hours=8), "WITA")
WIT = timezone(timedelta(hours=9), "WIT")
END = datetime(2026, 11, 27, 9, 0, tzinfo=WIB)
START = END - timedelta(days=10)

MI, UV, CP, PA, REG, OTH, NOISE = (
    "missing_incentive", "unspent_voucher", "certificate_pending", "payment_account",
    "registration", "other", "noise",
)

# How many records of each kind to write (email 120 + instagram 180 = 300).
EMAIL_PLAN = {  # label: (top-level messages, follow-up replies by the same author)
    MI: (30, 8), UV: (15, 3), CP: (16, 4), PA: (13, 3), REG: (11, 2), OTH: (9, 2), NOISE: (2, 2),
}
IG_PLAN = {  # label: (top-level, own follow-ups, "me too" replies by others, same user again later)
    MI: (32, 6, 10, 4), UV: (20, 3, 3, 1), CP: (17, 3, 3, 2), PA: (15, 2, 2, 1),
    REG: (13, 1, 3, 0), OTH: (10, 0, 3, 0),
}
IG_NOISE_PLAN = (19, 4, 3)  # top-level, thank-you replies under own comment, friend-tag replies

# --------------------------------------------------------------------------- vocabulary

BULAN = ["", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember"]
BLN = ["", "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
HARI = ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"]
PLATFORMS = ["Tokopedia", "Bukalapak", "Pintaria", "Sekolahmu", "Pijar Mahir", "MauBelajarApa",
             "Sisnaker"]
EWALLETS = ["GoPay", "OVO", "LinkAja", "DANA"]
COURSES = [
    ("Digital Marketing untuk UMKM", "digital marketing"),
    ("Teknik Penjualan Online di Marketplace", "jualan online"),
    ("Menjadi Barista Profesional", "barista"),
    ("Microsoft Excel untuk Administrasi Perkantoran", "excel"),
    ("Public Speaking untuk Pemula", "public speaking"),
    ("Menjahit Pakaian Wanita", "menjahit"),
    ("Desain Grafis dengan Canva", "canva"),
    ("Bahasa Inggris untuk Dunia Kerja", "b. inggris"),
    ("Fotografi Produk dengan Smartphone", "foto produk"),
    ("Akuntansi Dasar untuk UMKM", "akuntansi"),
    ("Budidaya Ikan Lele Sistem Bioflok", "budidaya lele"),
    ("Tata Rias Pengantin", "make up"),
    ("Pemrograman Web Dasar", "coding web"),
    ("Menjadi Content Creator", "content creator"),
    ("Pelayanan Pelanggan (Customer Service)", "customer service"),
    ("Membuat Kue Kering untuk Usaha Rumahan", "bikin kue"),
]
CITIES = ["Bekasi", "Medan", "Makassar", "Sleman", "Kupang", "Palembang", "Banjarmasin",
          "Cirebon", "Malang", "Padang", "Pontianak", "Ambon", "Manado", "Denpasar", "Garut",
          "Tasikmalaya", "Jember", "Kendari", "Pekanbaru", "Serang"]
F_FIRST = ["Siti", "Dewi", "Rina", "Sri", "Indah", "Putri", "Nurul", "Lestari", "Yuliana",
           "Ratna", "Fitriani", "Maria", "Ayu", "Dian", "Anisa", "Lia", "Hana", "Novi", "Citra",
           "Wulan", "Nabila", "Eka", "Rahma", "Tiara"]
M_FIRST = ["Budi", "Agus", "Ahmad", "Joko", "Wahyu", "Rizky", "Eko", "Fajar", "Hendra", "Dedi",
           "Bambang", "Slamet", "Yohanes", "Reza", "Arif", "Muhammad", "Rudi", "Gilang", "Yusuf",
           "Dimas", "Stefanus", "Teguh", "Irfan", "Andi"]
F_LAST = ["Rahmawati", "Lestari", "Susanti", "Handayani", "Purnamasari", "Anggraini",
          "Wulandari", "Ramadhani", "Puspitasari", "Maharani", "Kusumawardani", "Safitri"]
M_LAST = ["Santoso", "Saputra", "Pratama", "Nugroho", "Hidayat", "Kurniawan", "Wibowo",
          "Setiawan", "Firmansyah", "Maulana", "Syahputra", "Permana", "Gunawan", "Prasetyo"]
ANY_LAST = ["Siregar", "Nasution", "Harahap", "Lubis", "Simanjuntak", "Sitompul", "Tanjung",
            "Wijaya", "Hakim", "Sembiring", "Tarigan", "Manurung", "Panjaitan", "Kusuma",
            "Pakpahan", "Mandagi"]
DOMAINS = ["example.com", "example.net", "example.org"]
IG_A = ["dewi", "ayu", "rizky", "putri", "budi", "siti", "andi", "rina", "fajar", "nur", "eka",
        "agus", "indah", "yoga", "sri", "dimas", "lina", "bayu", "wulan", "arif", "nadia",
        "hendra", "fitri", "rudi", "maya", "joko", "tika", "ilham", "desi", "reza", "intan",
        "wahyu", "anisa", "bagus", "dodi", "ratna", "galih", "vina", "yusuf", "sella"]
IG_B = ["ayu", "pratama", "nrl", "saputra", "wati", "lestari", "kurnia", "hidayat", "permata",
        "sari", "ramadhan", "putra", "amalia", "setiawan", "maharani", "utami", "official", "id"]
SPAM_USERS = ["akun.prakerja.cair", "jasa_followers.murah", "dana.kilat.cair", "kursus_inggris.promo",
              "olshop_serbaada99", "cuan.harian.id"]
CALL = ["min", "min", "min", "kak", "admin", "mimin", "kak admin", "min"]

# --------------------------------------------------------------------------- e-mail templates
# Each entry: (subject, body). Slots are filled from make_slots().

EMAIL_CORE = {
    MI: [
        ("Insentif pertama belum masuk",
         "Sertifikat pelatihan saya sudah terbit di dasbor sejak {date}, tetapi insentif pertama "
         "sebesar Rp 600.000 belum masuk ke akun {ewallet} saya sampai hari ini."),
        ("Insentif bulan ketiga belum diterima",
         "Insentif bulan ketiga saya belum diterima, padahal insentif pertama dan kedua sudah masuk "
         "dengan lancar ke rekening BNI saya. Status di dasbor masih tertulis \"dalam proses\"."),
        ("Insentif survei belum diterima",
         "Saya ingin menanyakan insentif survei evaluasi yang belum saya terima. Survei sudah saya "
         "isi pada {date}, namun sampai sekarang belum ada dana masuk ke {ewallet}."),
        ("Insentif belum cair",
         "Sudah {n} minggu sejak sertifikat saya muncul di dasbor Prakerja, tetapi insentif belum "
         "juga cair. Rekening BNI saya aktif dan nomor HP {ewallet} tidak pernah saya ganti."),
        ("Jumlah insentif tidak sesuai",
         "Insentif yang masuk ke {ewallet} saya hanya Rp 300.000, padahal seharusnya Rp 600.000 "
         "per bulan. Mohon penjelasan mengapa jumlahnya kurang."),
        ("Insentif berhenti setelah pembayaran kedua",
         "Insentif saya berhenti setelah pembayaran kedua. Bulan ini tidak ada dana masuk sama "
         "sekali, padahal saya tidak mengubah data apa pun di akun."),
        ("Insentif tertulis terkirim tetapi belum diterima",
         "Di dasbor tertulis insentif {ke} sudah dikirim pada {date}, tetapi saldo {ewallet} saya "
         "tidak bertambah. Saya sudah cek riwayat transaksi dan tidak ada dana masuk dari Prakerja."),
        ("Pencairan insentif terlambat",
         "Saya sudah menyelesaikan pelatihan {course} di {platform} dan sertifikatnya sudah ada di "
         "dasbor. Namun jadwal pencairan insentif sudah lewat dan dana belum saya terima."),
        ("Insentif gelombang {gel} belum masuk",
         "Teman-teman saya di gelombang {gel} sudah menerima insentif pertama sejak minggu lalu, "
         "sedangkan saya belum. Apakah ada masalah dengan akun saya?"),
        ("URGENT: insentif sudah 3 bulan tidak cair",
         "Mohon bantuannya, insentif Kartu Prakerja saya sudah 3 bulan tidak cair. Saya sudah "
         "beberapa kali mengirim pesan tetapi belum ada jawaban. Saya sangat kecewa dengan "
         "pelayanan ini."),
        ("Insentif keempat belum diterima",
         "Saya ingin mengonfirmasi status insentif keempat saya. Tiga pembayaran sebelumnya masuk "
         "tepat waktu, namun pembayaran terakhir sebesar Rp 600.000 belum juga diterima."),
        ("Status insentif gagal",
         "Status insentif di dasbor saya berubah menjadi \"gagal\" tanpa keterangan. Rekening BNI "
         "saya aktif dan masih bisa dipakai bertransaksi. Mohon informasi kapan insentif akan "
         "dikirim ulang."),
        ("Pertanyaan jadwal insentif",
         "Sertifikat pelatihan saya terbit pada {date}. Setahu saya insentif dibayarkan beberapa "
         "minggu setelahnya, tetapi sampai sekarang belum masuk ke {ewallet} saya."),
        ("Insentif survei Rp 50.000 belum masuk",
         "Saya belum menerima insentif survei sebesar Rp 50.000 untuk dua survei yang sudah saya "
         "isi. Insentif bulanan saya sudah lengkap, hanya insentif survei yang belum."),
        ("Insentif bulan {month} belum masuk",
         "Insentif bulan {month} belum masuk ke rekening BNI saya. Saya sangat membutuhkan dana "
         "tersebut untuk kebutuhan sehari-hari keluarga. Mohon segera diproses."),
        ("Tindak lanjut call center - insentif",
         "Saya sudah menghubungi call center pada {date} dan diminta menunggu 7 hari kerja. Sudah "
         "lewat dari itu, insentif saya tetap belum masuk ke {ewallet}."),
        ("Insentif tertahan",
         "Mohon dicek, insentif saya sepertinya tertahan. Notifikasi di aplikasi mengatakan "
         "insentif sudah ditransfer, tetapi di rekening BNI saya tidak ada mutasi masuk."),
        ("Insentif hanya masuk sekali",
         "Saya menerima insentif Rp 600.000 pada bulan pertama, tetapi sejak itu tidak ada lagi "
         "pembayaran. Sekarang sudah hampir dua bulan saya menunggu."),
        ("TOLONG - insentif belum masuk",
         "TOLONG dibantu. Insentif {ke} saya belum masuk padahal sertifikat sudah terbit sejak "
         "{date}. Saya sudah menunggu terlalu lama dan tidak ada kejelasan sama sekali."),
    ],
    UV: [
        ("Sisa saldo pelatihan",
         "Saya masih memiliki sisa saldo pelatihan sebesar {sisa} setelah membeli pelatihan "
         "{course} di {platform}. Apakah sisa saldo tersebut bisa dicairkan atau dipindahkan ke "
         "{ewallet}?"),
        ("Pembelian pelatihan gagal, saldo terpotong",
         "Saya mencoba membeli pelatihan di {platform} menggunakan saldo Prakerja, tetapi "
         "transaksi gagal dan saldo saya terpotong {price}. Sampai sekarang saldo belum kembali."),
        ("Batas waktu penggunaan saldo",
         "Saya ingin bertanya sampai kapan batas waktu penggunaan saldo pelatihan. Saya baru "
         "memakai sebagian dan sisanya masih {sisa}."),
        ("Pelatihan dibatalkan, bagaimana saldo saya?",
         "Pelatihan yang saya beli di {platform} dibatalkan oleh lembaga pelatihan. Mohon "
         "informasi apakah dana {price} akan dikembalikan ke saldo pelatihan saya dan berapa lama "
         "prosesnya."),
        ("Saldo pelatihan menjadi Rp 0",
         "Saldo pelatihan saya tiba-tiba menjadi Rp 0 di dasbor, padahal saya belum membeli "
         "pelatihan apa pun. Mohon dicek."),
        ("Menambah kekurangan harga pelatihan",
         "Sisa saldo saya {sisa}, sedangkan pelatihan yang saya inginkan harganya {price}. Apakah "
         "saya boleh menambah kekurangannya dengan uang pribadi?"),
        ("Sisa saldo tidak cukup untuk pelatihan apa pun",
         "Saya tidak bisa menggunakan sisa saldo {sisa} karena semua pelatihan yang saya cari di "
         "{platform} harganya di atas itu. Apakah sisa saldo ini akan hangus?"),
        ("Saldo tidak mencukupi saat checkout",
         "Ketika checkout di {platform}, muncul pesan \"saldo tidak mencukupi\" padahal di dasbor "
         "Prakerja saldo saya masih {sisa} dan harga pelatihannya lebih murah dari itu."),
        ("Kode voucher tidak muncul",
         "Saya sudah membayar pelatihan {course} di {platform}, tetapi kode voucher tidak muncul di "
         "halaman transaksi dan saldo saya sudah berkurang."),
        ("Perpanjangan masa berlaku saldo",
         "Saldo pelatihan saya sudah kedaluwarsa sebelum sempat saya pakai seluruhnya karena saya "
         "dirawat di rumah sakit. Apakah ada kemungkinan masa berlakunya diperpanjang?"),
        ("Pencairan sisa saldo bersama insentif",
         "Saya ingin menanyakan apakah sisa saldo pelatihan {sisa} dapat dicairkan menjadi uang "
         "tunai bersama insentif bulan depan."),
        ("Refund belum kembali ke saldo",
         "Refund dari {platform} untuk pelatihan yang gagal dibeli sudah lebih dari 14 hari belum "
         "masuk kembali ke saldo pelatihan Prakerja saya."),
        ("Saldo terpotong lebih dari harga pelatihan",
         "Saya membeli dua pelatihan di {platform}, tetapi saldo saya terpotong tiga kali. Total "
         "yang terpotong lebih besar dari harga kedua pelatihan tersebut."),
        ("Menggunakan saldo di platform lain",
         "Mohon penjelasan, apakah saldo pelatihan bisa digunakan di platform selain {platform}? "
         "Saya sudah membeli satu pelatihan di sana dan masih ada sisa {sisa}."),
        ("Pembelian ganda pelatihan",
         "Saya tidak sengaja membeli pelatihan yang sama dua kali di {platform}. Apakah salah "
         "satunya bisa dibatalkan dan saldonya dikembalikan?"),
        ("Saldo di dasbor dan di platform berbeda",
         "Di dasbor Prakerja saldo saya tertulis {sisa}, tetapi di halaman {platform} jumlahnya "
         "berbeda. Mana yang benar dan bagaimana saya bisa memakai sisanya?"),
        ("Sisa saldo yang tidak terpakai",
         "Saya mendengar saldo pelatihan harus dihabiskan dalam waktu tertentu. Sisa saldo saya "
         "masih {sisa}; apa yang terjadi jika tidak terpakai?"),
    ],
    CP: [
        ("Sertifikat belum terbit",
         "Saya sudah menyelesaikan pelatihan {course} di {platform} dan sudah memberikan ulasan dan "
         "rating pada {date}, tetapi sertifikat belum muncul di dasbor Prakerja."),
        ("Progres pelatihan tidak tersinkron",
         "Progres pelatihan saya di {platform} sudah 100%, namun di dasbor Prakerja status "
         "pelatihan masih \"belum selesai\". Akibatnya sertifikat belum terbit dan insentif belum "
         "bisa cair."),
        ("Sertifikat tidak tampil di dasbor",
         "Sertifikat dari lembaga pelatihan sudah saya unduh di {platform}, tetapi di dasbor "
         "Prakerja sertifikatnya belum tampil. Mohon dibantu sinkronisasinya."),
        ("Sertifikat belum terbit setelah {n} minggu",
         "Sudah {n} minggu sejak saya menyelesaikan semua modul dan mengisi ulasan, tetapi "
         "sertifikat belum terbit. Insentif saya jadi ikut tertahan."),
        ("Error saat memberi rating",
         "Saat memberikan rating di {platform} muncul pesan error, sehingga saya tidak yakin ulasan "
         "saya terkirim. Sekarang sertifikat saya belum juga terbit."),
        ("Sertifikat belum ada setelah tes akhir",
         "Saya sudah mengikuti semua sesi webinar pelatihan {course} dan mengerjakan tes akhir "
         "dengan nilai {score}. Namun sertifikat belum ada di dasbor."),
        ("Sertifikat hilang dari dasbor",
         "Sertifikat saya sempat muncul di dasbor lalu hilang kembali. Sekarang status pelatihan "
         "saya kembali menjadi \"sedang berjalan\"."),
        ("Pertanyaan penerbitan sertifikat",
         "Pelatihan {course} yang saya ikuti di {platform} sudah selesai sejak {date}. Sertifikat "
         "belum terbit di dasbor Prakerja padahal ulasan dan rating sudah saya berikan."),
        ("Tombol Beri Ulasan tidak bisa diklik",
         "Mohon bantuannya, tombol \"Beri Ulasan\" di dasbor saya tidak bisa diklik, sehingga saya "
         "tidak bisa memberikan rating dan sertifikat saya tidak terbit."),
        ("Menunggu verifikasi penyelesaian",
         "Saya sudah selesai pelatihan dan lulus post-test, tetapi di dasbor tertulis \"menunggu "
         "verifikasi penyelesaian\" selama lebih dari dua minggu."),
        ("Kapan sertifikat terbit?",
         "Kapan sertifikat saya akan terbit? Saya sudah memberi ulasan bintang 5 untuk pelatihan "
         "{course} di {platform} minggu lalu."),
        ("Sertifikat belum muncul, teman sudah",
         "Sertifikat pelatihan saya belum juga muncul, padahal semua teman saya di gelombang {gel} "
         "yang membeli pelatihan yang sama sudah mendapatkannya."),
        ("Status belum ada sertifikat",
         "Saya mengikuti pelatihan {course} melalui {platform}. Kode redeem sudah dipakai dan "
         "pelatihan sudah tuntas, tetapi di dasbor masih tertulis \"belum ada sertifikat\"."),
        ("Sertifikat belum tersinkron ke dasbor",
         "Sertifikat sudah terbit di aplikasi {platform}, namun di dasbor Prakerja belum "
         "tersinkron. Sudah saya coba keluar-masuk akun beberapa kali."),
        ("Sertifikat dan insentif tertahan",
         "Saya ingin menanyakan mengapa sertifikat saya belum terbit. Insentif saya belum cair "
         "karena sertifikat belum ada, dan sudah hampir sebulan saya menunggu."),
        ("Progres video berhenti",
         "Saya sudah menonton semua video pelatihan di {platform}, tetapi progresnya berhenti di "
         "{pct}% dan tidak bisa bertambah. Karena itu saya belum bisa memberi ulasan dan "
         "sertifikat belum keluar."),
        ("Sangat kecewa, sertifikat tidak kunjung terbit",
         "Saya sangat kecewa. Sudah sebulan lebih saya menyelesaikan pelatihan {course} dan "
         "memberi rating, tetapi sertifikat tidak kunjung terbit. Mohon ditindaklanjuti secepatnya."),
    ],
    PA: [
        ("Rekening BNI tidak aktif",
         "Rekening BNI saya ternyata sudah tidak aktif karena lama tidak digunakan. Bagaimana cara "
         "mengganti tujuan pencairan insentif ke {ewallet}?"),
        ("Ganti nomor HP e-wallet",
         "Saya sudah mengganti nomor HP yang terhubung dengan akun {ewallet} saya. Apakah saya "
         "perlu memperbarui data di akun Prakerja agar insentif tetap bisa diterima?"),
        ("Akun {ewallet} diblokir",
         "Akun {ewallet} saya diblokir sementara oleh pihak {ewallet}. Apakah saya bisa "
         "menghubungkan rekening BNI sebagai gantinya?"),
        ("Nama tidak sesuai saat menghubungkan e-wallet",
         "Saat menyambungkan akun {ewallet} di dasbor Prakerja, muncul pesan \"nama tidak "
         "sesuai\". Nama di akun {ewallet} saya sudah sama dengan KTP."),
        ("Mengganti e-wallet",
         "Saya ingin mengganti e-wallet dari {ewallet} ke {ewallet2} karena akun {ewallet} saya "
         "sudah tidak bisa dipakai. Mohon panduannya."),
        ("Belum punya rekening",
         "Saya belum memiliki rekening BNI maupun e-wallet. Bagaimana cara menghubungkan rekening "
         "agar bisa menerima insentif?"),
        ("Nomor lama e-wallet sudah hangus",
         "Nomor HP lama saya yang terdaftar di {ewallet} sudah hangus dan tidak bisa dipakai lagi. "
         "Bagaimana saya bisa menyambungkan akun e-wallet dengan nomor baru?"),
        ("Rekening BNI dorman",
         "Rekening BNI saya dengan nomor {acct} berstatus dorman. Apakah saya harus mengaktifkan "
         "kembali di kantor cabang, atau bisa diganti ke {ewallet}?"),
        ("OTP e-wallet tidak masuk",
         "Setiap kali saya mencoba menghubungkan {ewallet}, kode OTP tidak pernah masuk ke HP "
         "saya. Sudah saya coba berkali-kali sejak {date}."),
        ("Akun e-wallet belum premium",
         "Akun {ewallet} saya belum upgrade ke premium. Apakah ini menjadi masalah untuk "
         "pencairan insentif Prakerja?"),
        ("Salah nomor rekening",
         "Saya salah memasukkan nomor rekening BNI saat menghubungkan akun. Bagaimana cara "
         "memperbaikinya sebelum insentif dikirim?"),
        ("Rekening tidak valid",
         "Di dasbor tertulis \"rekening tidak valid\" padahal rekening BNI saya aktif dan rutin "
         "saya pakai. Nomor rekening saya {acct}. Mohon dicek."),
        ("Pencairan ke bank selain BNI",
         "Bisakah saya memindahkan tujuan pencairan insentif ke rekening bank selain BNI, "
         "misalnya BRI atau Mandiri?"),
        ("Akun e-wallet terkunci",
         "Akun {ewallet} saya terkunci setelah salah memasukkan PIN. Sementara itu status di "
         "dasbor Prakerja menunjukkan \"akun e-wallet tidak terhubung\"."),
        ("Memutus sambungan e-wallet",
         "Saya ingin memutuskan sambungan {ewallet} dari akun Prakerja karena HP saya hilang dan "
         "nomor tersebut sudah diblokir."),
        ("Rekening diblokir sementara",
         "Kartu ATM BNI saya tertelan mesin dan rekening diblokir sementara oleh bank. Bagaimana "
         "cara mengganti rekening tujuan agar insentif saya tidak gagal dikirim?"),
        ("URGENT - ganti rekening tujuan",
         "Urgent. Jadwal pencairan insentif saya minggu ini, tetapi rekening BNI saya baru saja "
         "ditutup. Saya perlu segera mengganti tujuan pencairan ke {ewallet}."),
    ],
    REG: [
        ("Tidak pernah lolos gelombang",
         "Saya sudah mendaftar sejak gelombang {gel} dan selalu bergabung di setiap gelombang, "
         "tetapi belum pernah lolos. Apakah ada syarat yang belum saya penuhi?"),
        ("NIK sudah digunakan",
         "Saat mendaftar, muncul keterangan bahwa NIK saya sudah digunakan oleh akun lain. Saya "
         "tidak pernah mendaftar sebelumnya. Mohon bantuannya."),
        ("Verifikasi KTP ditolak",
         "Verifikasi KTP saya ditolak dengan keterangan \"data tidak sesuai Dukcapil\", padahal "
         "data sudah saya isi sesuai KTP."),
        ("Lupa kata sandi saat pendaftaran",
         "Saya lupa kata sandi akun Prakerja dan email untuk reset tidak pernah masuk. Saya tidak "
         "bisa melanjutkan pendaftaran gelombang ini."),
        ("Syarat pendaftaran korban PHK",
         "Apakah karyawan yang terkena PHK tetapi masih menerima pesangon boleh mendaftar Kartu "
         "Prakerja?"),
        ("Mahasiswa mendaftar Prakerja",
         "Saya mahasiswa berusia 19 tahun. Apakah saya bisa mendaftar program Kartu Prakerja dan "
         "mendapatkan insentif?"),
        ("OTP pendaftaran tidak masuk",
         "Kode OTP untuk verifikasi nomor HP saat pendaftaran tidak pernah masuk. Saya sudah "
         "mencoba berkali-kali dalam dua hari terakhir."),
        ("Tidak bisa bergabung ke gelombang",
         "Saya sudah lolos tes kemampuan dasar, tetapi setelah itu tidak bisa bergabung ke "
         "gelombang {gel} karena tombolnya tidak muncul."),
        ("Verifikasi foto selfie gagal",
         "Foto selfie dengan KTP saya terus gagal diverifikasi. Sudah saya ulangi dengan "
         "pencahayaan yang lebih baik tetapi tetap ditolak."),
        ("Mendaftarkan orang tua",
         "Bagaimana cara mendaftar Kartu Prakerja untuk ibu saya yang tidak memiliki HP? Apakah "
         "boleh menggunakan nomor HP dan email saya?"),
        ("Tidak lolos gelombang {gel}",
         "Saya tidak lolos gelombang {gel}. Apakah saya perlu membuat akun baru atau cukup "
         "bergabung lagi di gelombang berikutnya?"),
        ("Pengumuman hasil seleksi",
         "Status pendaftaran saya masih \"menunggu\" sejak gelombang {gel} ditutup. Kapan "
         "pengumuman hasil seleksi diberikan?"),
        ("NIK tidak terdaftar",
         "NIK saya dianggap tidak terdaftar di data kependudukan, padahal KTP elektronik saya "
         "masih berlaku. Apa yang harus saya lakukan?"),
        ("Pernah menerima bansos",
         "Saya pernah menerima bantuan sosial dari pemerintah. Apakah saya masih boleh mendaftar "
         "Kartu Prakerja?"),
        ("Salah tanggal lahir saat pendaftaran",
         "Saya salah mengetik tanggal lahir saat pendaftaran dan sekarang tidak bisa diubah. Mohon "
         "bantuan agar data saya bisa diperbaiki sebelum gelombang berikutnya dibuka."),
        ("Mengganti email akun",
         "Email pendaftaran saya sudah tidak aktif lagi. Bagaimana cara mengganti email agar saya "
         "bisa login dan ikut seleksi gelombang {gel_next}?"),
        ("Cara daftar agar dapat insentif",
         "Bagaimana cara mendaftar Kartu Prakerja agar saya bisa ikut pelatihan dan mendapatkan "
         "insentif? Saya baru lulus SMK tahun ini dan belum bekerja."),
    ],
    OTH: [
        ("Laporan penipuan via WhatsApp",
         "Saya menerima pesan WhatsApp dari nomor {phone2} yang mengaku petugas Prakerja dan "
         "meminta kode OTP untuk mencairkan insentif. Apakah itu resmi?"),
        ("Akun Instagram palsu",
         "Ada akun Instagram yang mengatasnamakan Kartu Prakerja dan menawarkan pencairan saldo "
         "pelatihan menjadi uang tunai dengan potongan 30%. Saya ingin melaporkan akun tersebut."),
        ("Pajak insentif Prakerja",
         "Apakah insentif Prakerja dikenakan pajak dan perlu saya laporkan di SPT tahunan?"),
        ("Link webinar tidak dikirim",
         "Saya sudah membeli pelatihan {course} berbentuk webinar di {platform}, tetapi tautan "
         "Zoom untuk sesi webinar tidak pernah dikirim oleh lembaga pelatihan."),
        ("Nama di sertifikat salah",
         "Sertifikat saya sudah terbit, tetapi nama saya tertulis salah (kurang satu huruf). "
         "Bagaimana cara memperbaikinya?"),
        ("Lowongan kerja untuk alumni",
         "Saya ingin bertanya apakah ada lowongan kerja atau program penyaluran kerja untuk "
         "alumni Kartu Prakerja."),
        ("Penghapusan akun dan data pribadi",
         "Saya ingin menghapus akun Prakerja beserta seluruh data pribadi saya. Bagaimana "
         "prosedurnya?"),
        ("Instruktur webinar tidak hadir",
         "Instruktur pelatihan {course} tidak hadir pada jadwal webinar {date} dan lembaga "
         "pelatihan tidak memberi jadwal pengganti."),
        ("Konfirmasi situs pencairan",
         "Saya mendapat SMS berisi tautan prakerja-cair.example.net yang meminta data rekening dan "
         "PIN. Mohon konfirmasi apakah situs itu resmi."),
        ("Keluhan kualitas pelatihan",
         "Saya ingin menyampaikan keluhan tentang kualitas pelatihan {course} di {platform}. "
         "Materinya hanya berupa video lama dan tidak sesuai dengan deskripsi."),
        ("Laporan jasa joki pelatihan",
         "Seseorang menawarkan jasa \"joki\" untuk menyelesaikan pelatihan dan tes agar insentif "
         "cepat cair dengan biaya Rp 100.000. Saya ingin melaporkan hal ini."),
        ("Surat keterangan alumni",
         "Bagaimana cara mendapatkan surat keterangan telah mengikuti Kartu Prakerja untuk "
         "melamar pekerjaan?"),
        ("Kerja sama lembaga pelatihan",
         "Kami lembaga kursus menjahit di {city} dan ingin menjadi lembaga pelatihan mitra "
         "Prakerja. Ke mana kami bisa mengirimkan proposal?"),
        ("Telepon mengaku dari BNI",
         "Saya ditelepon oleh seseorang yang mengaku dari BNI dan meminta saya memindahkan insentif "
         "ke rekening lain agar \"aman\". Apakah ini penipuan?"),
        ("Jadwal webinar diundur terus",
         "Webinar pelatihan {course} dijadwalkan ulang tiga kali oleh lembaga pelatihan tanpa "
         "pemberitahuan, dan sampai sekarang tautannya belum juga dikirim."),
        ("HP hilang, khawatir akun disalahgunakan",
         "HP saya hilang dan saya khawatir akun Prakerja saya disalahgunakan orang lain. Apa yang "
         "sebaiknya saya lakukan?"),
    ],
}

EMAIL_NOISE_TOP = [
    ("Terima kasih Kartu Prakerja",
     "Saya ingin menyampaikan terima kasih kepada tim Kartu Prakerja. Berkat pelatihan {course} "
     "yang saya ikuti di {platform}, sekarang saya sudah bisa membuka usaha kecil di rumah. "
     "Semoga program ini terus berlanjut."),
    ("Apresiasi program Prakerja",
     "Melalui email ini saya hanya ingin berterima kasih. Setelah mengikuti pelatihan {course}, "
     "saya diterima bekerja di sebuah toko di {city}. Sukses selalu untuk tim Prakerja."),
]
EMAIL_SPAM = [
    ("Penawaran kerja sama iklan digital",
     "Kami dari CV Maju Digital Nusantara menawarkan jasa pembuatan website, desain logo, dan "
     "iklan media sosial dengan harga mulai Rp 499.000. Dapatkan diskon 20% untuk pemesanan "
     "bulan ini. Balas email ini untuk katalog lengkap."),
    ("Promo paket followers dan likes",
     "Tingkatkan jangkauan akun Instagram instansi Anda! Paket 10.000 followers aktif hanya "
     "Rp 250.000, proses 1x24 jam, bergaransi. Hubungi WhatsApp kami di {phone2}."),
]

INTRO = [
    "Perkenalkan, saya {name}, peserta Kartu Prakerja gelombang {gel}.",
    "Saya {name}, penerima Kartu Prakerja gelombang {gel}.",
    "Saya peserta Kartu Prakerja gelombang {gel} atas nama {name}.",
    "Nama saya {name}, peserta Prakerja gelombang {gel}, dengan nomor HP terdaftar {phone}.",
    "Saya {name} dari {city}, peserta Kartu Prakerja gelombang {gel}.",
]
INTRO_REG = [
    "Perkenalkan, saya {name} dari {city}.",
    "Saya {name}, calon peserta Kartu Prakerja dari {city}.",
    "Nama saya {name}, berdomisili di {city}.",
]
INTRO_OTH = [
    "Perkenalkan, saya {name} dari {city}.",
    "Nama saya {name}, berdomisili di {city}.",
    "Saya {name}, peserta Kartu Prakerja gelombang {gel}.",
]
DETAIL = {
    MI: ["Sebagai informasi, nomor HP yang terdaftar di akun Prakerja dan {ewallet} saya adalah "
         "{phone}.",
         "Nomor rekening BNI saya {acct} dan masih aktif.",
         "Tangkapan layar dasbor saya lampirkan bersama email ini."],
    UV: ["Bukti transaksi di {platform} sudah saya simpan jika diperlukan.",
         "Nomor invoice transaksi saya {invoice}.",
         "Tangkapan layar halaman saldo saya lampirkan."],
    CP: ["Berikut saya lampirkan tangkapan layar dasbor dan halaman pelatihan di {platform}.",
         "Email akun {platform} saya sama dengan email ini.",
         "Nomor HP terdaftar: {phone}."],
    PA: ["Nomor HP saya yang terdaftar di akun Prakerja: {phone}.",
         "Nomor rekening BNI saya: {acct}.",
         "Tangkapan layar pesan error saya lampirkan."],
    REG: ["Nomor HP yang saya gunakan untuk mendaftar adalah {phone}.",
          "Saya mendaftar menggunakan email ini.",
          "Tangkapan layar pesan kesalahannya saya lampirkan."],
    OTH: ["Tangkapan layar percakapannya saya lampirkan.",
          "Mohon hal ini ditindaklanjuti agar tidak ada peserta lain yang dirugikan."],
}
REQUEST = [
    "Mohon bantuan dan penjelasannya.",
    "Mohon dibantu pengecekannya.",
    "Mohon informasinya, apa yang harus saya lakukan.",
    "Atas perhatian dan bantuannya saya ucapkan terima kasih.",
    "Saya tunggu kabar baiknya.",
    "Mohon petunjuk langkah selanjutnya.",
]
CLOSING = [
    "Terima kasih,\n{sig}", "Terima kasih,\n{sig}", "Terima kasih,\n{sig}",
    "Terima kasih.\n\nSalam,\n{sig}", "Hormat saya,\n{sig}", "Salam,\n{sig}\n{phone}",
]

# Follow-up e-mails from the same person.
FOLLOW_STATUS = {  # generic enough to fit any first message of the label
    MI: ["Sampai hari ini insentif saya belum juga masuk.",
         "Insentif saya masih belum diterima dan belum ada penjelasan.",
         "Saya sudah cek lagi hari ini, belum ada dana masuk dari Prakerja."],
    UV: ["Sampai sekarang masalah saldo pelatihan saya belum terselesaikan.",
         "Saya masih menunggu penjelasan mengenai saldo pelatihan saya.",
         "Saldo pelatihan saya masih dalam kondisi yang sama."],
    CP: ["Sertifikat saya masih belum terbit di dasbor.",
         "Sampai hari ini sertifikat saya belum juga muncul.",
         "Status pelatihan di dasbor saya belum berubah."],
    PA: ["Sampai sekarang masalah rekening tujuan pencairan saya belum terselesaikan.",
         "Saya masih belum tahu apa yang harus saya lakukan dengan rekening saya.",
         "Saya khawatir insentif saya gagal dikirim karena masalah rekening ini belum selesai."],
    REG: ["Saya masih belum mendapat jawaban terkait pendaftaran saya.",
          "Masalah pendaftaran saya belum terselesaikan."],
    OTH: ["Saya belum menerima jawaban atas pertanyaan saya.",
          "Saya masih menunggu tanggapan dari tim Prakerja."],
}
FOLLOW_EXTRA = {
    MI: ["nomor HP yang terhubung dengan {ewallet} saya adalah {phone} dan tidak pernah saya ganti.",
         "rekening BNI saya ({acct}) sudah saya cek di kantor cabang dan statusnya aktif."],
    UV: ["nomor invoice transaksi saya di {platform} adalah {invoice}."],
    CP: ["pelatihan tersebut saya beli di {platform} dengan judul \"{course}\"."],
    PA: ["nomor HP yang terdaftar di akun Prakerja saya adalah {phone}."],
    REG: ["saya mendaftar menggunakan email ini dan nomor HP {phone}."],
    OTH: ["saya bisa dihubungi di nomor {phone}."],
}
FOLLOW_FRAMES = [
    "{greet}\n\nSaya ingin menindaklanjuti email saya tanggal {pdate}. {status} Mohon kabar "
    "terbarunya.\n\nTerima kasih,\n{sig}",
    "{greet}\n\nMenambahkan informasi dari email sebelumnya, {extra}\n\n{status}\n\n"
    "Terima kasih,\n{sig}",
    "{greet}\n\nSudah {elapsed} sejak saya mengirim email, tetapi belum ada balasan. {status} "
    "Apakah ada perkembangan?\n\nTerima kasih,\n{sig}",
    "{greet}\n\nMohon maaf mengganggu lagi. {status} Mohon dibantu.\n\nSalam,\n{sig}",
    "Admin, apakah email saya sebelumnya sudah diterima? {status}\n\n{sig}",
    "{greet}\n\nIni sudah email {nth} saya. {status} Saya sangat kecewa karena belum ada "
    "tanggapan sama sekali. TOLONG segera ditindaklanjuti.\n\n{sig}",
]
EMAIL_THANKS = {
    MI: ["Insentif saya sudah masuk ke {ewallet} tadi pagi.",
         "Insentif saya sudah diterima di rekening BNI hari ini."],
    CP: ["Sertifikat saya sudah muncul di dasbor."],
    PA: ["Data rekening tujuan pencairan saya sudah berhasil diperbarui."],
}
EMAIL_THANKS_FRAMES = [
    "{greet}\n\nTerima kasih atas bantuannya. {resolved} Masalah saya sudah selesai.\n\n"
    "Salam,\n{sig}",
    "{greet}\n\nKabar baik, {resolved_lc} Terima kasih banyak untuk tim Prakerja.\n\n{sig}",
]

# --------------------------------------------------------------------------- instagram templates

IG_CORE = {
    MI: [
        "{min} insentif aku blm masuk2 padahal sertifikat udh terbit dr tgl {d} 😭",
        "insentif pertama blm cair {min}, gel {gel} ada yg sama?",
        "{min} kok insentif ke{ke_num} blm masuk ya, yg kemarin2 lancar",
        "udh {nn} minggu sertif keluar tp insentif gk cair2 🙏",
        "INSENTIF BLM MASUK {MIN} TOLONG DICEK",
        "{min} insentif survei kok ga masuk ya? udh isi survei dr minggu lalu",
        "insentif saya cuma masuk 300rb {min} harusnya 600rb kan?",
        "halo {min}, insentif bulan ini blm masuk ke {ewallet} aku, rekening aman kok",
        "yg lain udh pada cair, aku doang yg belummm 😢",
        "sudah 3 bulan insentif gk cair, kecewa bgt sama prakerja 😡",
        "{min} di dasbor tulisannya insentif udh dikirim tp saldo {ewallet} ku gk nambah",
        "@prakerja.go.id insentif ke-{ke_num} kapan cair {min}? udh lewat jadwal",
        "insentif berhenti di bulan ke2, bulan ini kosong {min} 🙏🙏",
        "kapan cair insentifnya {min} 😭 butuh bgt buat bayar kontrakan",
        "sertif udh ada dr {d}, insentif blm juga. nomer {ewallet} gk pernah ganti",
        "{min} status insentif aku 'gagal' tp BNI aktif kok, gmn ini",
        "halo {min}, insentif gel {gel} udh cair blm sih? aku blm dpt",
        "insentif 600rb blm masukk {min}, padahal udh 3 minggu",
        "udh chat cs tp disuruh nunggu trs, insentif tetep blm masuk",
        "nunggu insentif kyk nunggu kepastian dr dia 🥲 blm masuk2 {min}",
        "{min} tolong cek dm, insentif aku nyangkut",
        "insentif aku ga masuk ke BNI, udh cek mutasi gk ada apa2 {min}",
        "kok insentif survei evaluasi blm dapet ya {min}, yg bulanan udh",
        "URGENT {min} insentif blm masuk udh sebulan lebih",
        "{min} aku gel {gel} sertif udh terbit, insentif kpn? 🙏",
        "kenapa insentif aku cuma masuk 450rb {min}? kurang 150rb",
        "insentiff ke{ke_num} blm cairr {min} udh lewat 2 minggu dr jadwal",
        "gmn nih {min} insentif aku blm masuk jg, {ewallet} udh premium kok",
        "{min} insentif survei 3x50rb blm ada yg masuk satupun",
        "udh sebulan nunggu insentif {min}, dasbor tulisannya 'dalam proses' trs",
        "insentif aku telat bgt {min}, temen2 udh cair semua 😩",
        "kmrn katanya jadwal cair tgl {d}, skrg udh lewat blm masuk jg {min}",
        "bulan ini insentif aku gk masuk {min}, bulan lalu lancar2 aja",
        "please {min} cek insentif aku, udh 3 minggu blm cair",
    ],
    UV: [
        "{min} sisa saldo pelatihan aku {sisa_k} bisa dicairin gk?",
        "saldo pelatihan sisa dikit gk bisa beli apa2 😩 hangus dong {min}",
        "{min} beli pelatihan di {platform} gagal tp saldo kepotong, gmn balikinnya?",
        "sisa saldo bisa ditransfer ke {ewallet} gk {min}?",
        "saldo prakerja aku tiba2 jd 0 padahal blm beli apa2 {min}",
        "{min} refund dr {platform} blm balik ke saldo, udh 2 minggu",
        "batas pake saldo pelatihan sampe kapan {min}?",
        "saldo sisa {sisa_k}, mau beli pelatihan yg {price_k} bisa nambah pake uang sendiri gk {min}?",
        "kok pas checkout di {platform} katanya saldo gk cukup, padahal masih ada {sisa_k}",
        "pelatihan dibatalin lembaganya, saldo aku gmn {min}?? 😭",
        "{min} aku kebeli 2x pelatihan yg sama di {platform}, bisa refund ke saldo?",
        "sisa saldo aku hangus gitu aja 😢 blm sempet kepake",
        "voucher pelatihan gk muncul tp saldo udh kepotong {price_k} {min}",
        "bisa gk sih sisa saldo pelatihan dicairin bareng insentif {min}?",
        "saldo di dasbor sama di {platform} beda {min}, yg bener yg mana",
        "saldo pelatihan kepotong 3x padahal beli 1 pelatihan doang 😡",
        "{min} saldo aku masih {sisa_k}, mending dibeliin apa ya biar gk hangus",
        "SALDO PELATIHAN AKU ILANG {MIN}, blm beli apa2",
    ],
    CP: [
        "udh kasih ulasan & rating tp sertif blm muncul di dasbor {min}",
        "sertifikat blm terbit padahal pelatihan udh selesai dr minggu lalu 😩",
        "{min} progres di {platform} udh 100% tp di dasbor masih blm selesai",
        "sertif gk muncul2, jd insentif jg ketahan 😭",
        "kok sertifikat aku ilang lg dr dasbor {min}?",
        "rating udh bintang 5 tp sertif blm keluar jg {min}",
        "tombol beri ulasan gk bisa diklik {min}, gmn mau dpt sertif",
        "sertif dari {platform} udh ada tp di dasbor prakerja blm sinkron",
        "udh 2 minggu status 'menunggu verifikasi' trs {min} sertif ku",
        "SERTIFIKAT BLM TERBIT {MIN} UDH SEBULAN",
        "pelatihan {course_k} udh kelar, sertif kpn {min}??",
        "{min} kasih ulasan error trs, sertif blm terbit nih",
        "progress video mentok di {pct}% {min}, gk bisa ulasan 😤",
        "temen2 gel {gel} udh pd dpt sertif aku blm 🥲",
        "sertif blm muncul, padahal post test udh nilai {score} {min}",
        "halo {min} sertifikat pelatihan aku belummm terbittt",
        "sertifkat aku kpn terbit {min}, udh kasih rating dr {d}",
    ],
    PA: [
        "{min} nomor {ewallet} aku ganti, gmn biar insentif tetep masuk?",
        "rekening BNI aku udh gk aktif {min}, bisa ganti ke {ewallet}?",
        "gk bisa sambungin {ewallet} ke prakerja, otp gk masuk2",
        "akun {ewallet} aku keblokir {min}, bisa ganti ewallet lain gk?",
        "cara ganti e-wallet dr {ewallet} ke {ewallet2} gmn {min}?",
        "pas hubungin {ewallet} muncul 'nama tidak sesuai' padahal sama kyk ktp",
        "BNI aku dorman {min}, hrs ke kantor cabang atau gmn?",
        "nomer lama {ewallet} udh hangus, gmn dong {min} 😭",
        "bisa gk pencairan ke BRI aja {min}? gk punya BNI",
        "{ewallet} blm premium ngaruh gk ke pencairan {min}?",
        "status di dasbor 'rekening tidak valid' {min} padahal BNI aktif",
        "{min} hp ilang, nomor {ewallet} udh diblokir. putusin sambungannya gmn?",
        "salah input no rek BNI {min}, bisa diganti gk?",
        "{ewallet} ke kunci gara2 salah pin, di prakerja jd gk terhubung {min}",
        "ATM BNI ketelen + rekening diblokir sementara, mau ganti rekening tujuan gmn {min}",
        "{min} blm punya BNI & ewallet, hrs bikin yg mana dulu?",
    ],
    REG: [
        "cara daftar prakerja gmn {min}? biar dpt insentif jg",
        "udh daftar dr gel {gel} gk lolos2 😭 apa yg salah ya",
        "{min} NIK aku katanya udh dipake akun lain, padahal gk pernah daftar",
        "verifikasi ktp ditolak trs {min}, data gk sesuai dukcapil katanya",
        "otp daftar gk masuk2 {min} 🙏",
        "lupa password akun prakerja, reset lewat email gk masuk {min}",
        "gel {gel_next} kapan dibuka {min}?",
        "umur 18 bisa daftar gk {min}?",
        "ibu rumah tangga boleh ikut prakerja gk {min}?",
        "selfie ktp gagal mulu 😩 udh 10x",
        "gagal lagi gel ini, udah 5x gabung gk lolos2 TOLONG {MIN}",
        "{min} aku pernah dpt bansos, masih bisa daftar gk?",
        "status 'menunggu' trs dr gel {gel} ditutup, kpn pengumuman {min}?",
        "{min} mahasiswa boleh daftar? pengen dpt insentifnya hehe",
        "salah ketik tgl lahir pas daftar gk bisa diedit {min}",
        "tombol gabung gelombang gk muncul {min} padahal udh lolos tes",
    ],
    OTH: [
        "hati2 ada akun palsu ngaku2 admin prakerja minta otp!! @{friend} awas",
        "{min} ada yg dm nawarin cairin saldo pelatihan jd uang potong 30%, itu resmi gk?",
        "insentif prakerja kena pajak gk sih {min}?",
        "link zoom webinar dr lembaga pelatihan gk dikirim2 {min}, gmn ikut kelasnya",
        "nama di sertif salah ketik {min}, bisa dibenerin?",
        "ada lowongan kerja buat alumni prakerja gk {min}?",
        "{min} ada yg nelpon ngaku dr BNI suruh pindahin insentif, penipuan kan?",
        "instruktur webinar gk dateng2, kelas dibatalin sepihak 😡",
        "mau hapus akun prakerja gmn caranya {min}",
        "ada yg nawarin joki pelatihan biar cepet cair, lapor kemana {min}?",
        "materi pelatihan {course_k} di {platform} jelek bgt, cuma video lama",
        "akun @prakerja.cair.resmi itu palsu kan {min}? minta data rekening",
        "surat keterangan alumni prakerja buat ngelamar kerja bisa minta dmn {min}?",
        "{min} webinar aku dijadwal ulang trs, link zoomnya gk pernah dikirim 😤",
        "ada web prakerja-cair gitu minta pin sama no rekening, hoax kan {min}?",
    ],
}
IG_NOISE = [
    "makasih prakerja, pelatihannya bermanfaat bgt 🙏",
    "alhamdulillah insentif ke{ke_num} udh masuk, makasih {min} ❤️",
    "@{friend} @{friend2} nih daftar cuy, lumayan",
    "JUAL AKUN PRAKERJA SIAP CAIR!! CEK BIO 🔥🔥",
    "yg mau saldo pelatihan cair jd uang cash langsung cek bio ya kak 💸💸",
    "mantap {min}, semangat terus 💪",
    "@{friend} ini yg aku ceritain kemarin",
    "first 😎",
    "follow back ya kak, jual followers murah cek bio",
    "keren programnya, semoga lanjut terus sampe tahun depan",
    "berkat prakerja skrg udh bisa jualan online, makasih bgt 🥹",
    "adminnya fast respon, mantul 👍",
    "dana cepat cair tanpa jaminan, proses 5 menit. info WA {phone} 📲",
    "tag temen kalian yg lagi nyari kerja 👇 @{friend}",
    "nice info {min}",
    "hadir {min} 🙋‍♀️",
    "pelatihan {course_k} di {platform} seru bgt, recommended 👍",
    "lolos gel {gel} alhamdulillah 🤲 makasih prakerja",
    "@{friend} cek ini gan",
    "sukses selalu prakerja 🇮🇩",
    "promo kelas bahasa inggris online diskon 50% cek ig kami ya kak 🙏",
    "wkwkwk @{friend} kamu bgt ini",
]
IG_SPAM_IDX = {3, 4, 8, 12, 20}  # templates above that spam accounts post
EMOJI_ONLY = ["🔥", "😍", "👍", "🙏", "❤️", "👏", "💯", "🥰", "💪", "😂"]
MOOD = {
    MI: ["😭", "🙏", "😢", "🥲", "🙏🙏", "😤"], UV: ["😩", "🙏", "🤔", "😭"],
    CP: ["😩", "🙏", "😭", "🥲"], PA: ["🙏", "😭", "🤔"], REG: ["🙏", "😭", "🥺"], OTH: ["🙏", "⚠️"],
}
IG_SELF_FOLLOW = {
    None: ["up {min} 🙏", "{min} tolong dibales dong", "masih blm ada jawaban {min}",
           "udh seminggu gk dibales {min} 😭", "halo {min}?? 🙏🙏", "{min} cek dm dong pliss"],
    MI: ["masih blm masuk jg {min} insentifnya", "update: udh cek lg tetep kosong {min}",
         "sampe hari ini blm cair {min} 😭"],
    UV: ["saldo aku gmn {min}? blm ada jawaban", "{min} soal saldo aku msh blm jelas nih"],
    CP: ["sertif msh blm muncul {min}", "udh kasih ulasan ulang tetep gk ada"],
    PA: ["msh blm ada solusi {min}", "gmn {min}, rekening aku msh blm beres nih"],
    REG: ["msh gk bisa daftar {min}", "udh coba lg tetep gagal {min}"],
}
IG_METOO = {
    MI: ["sama {min} aku jg blm masuk 😭", "samaaa gel {gel} jg blm cair",
         "aku jg {min}! insentif ke{ke_num} blm masuk", "wah sama, aku udh 3 minggu",
         "senasib {min} 🥲 blm masuk jg", "aku jg blm dpt insentif survei", "sama bgt, BNI aman tp blm masuk"],
    UV: ["sama {min} saldo aku jg bermasalah", "aku jg ngalamin ini {min}, saldo blm jelas",
         "sama nih, saldo pelatihan aku jg blm beres"],
    CP: ["sama aku jg sertif blm keluar", "aku jg {min} udh rating tp sertif gk muncul",
         "samaa progres aku jg gk sinkron"],
    PA: ["sama {min}, aku jg bingung soal rekening ini", "aku jg ngalamin {min} 🙏",
         "ikut nanya {min}, kasus aku mirip"],
    REG: ["ikut nanya {min} 🙏", "aku jg mau tau {min}", "sama pertanyaannya {min}, tolong dijawab"],
    OTH: ["up, aku jg penasaran {min}", "sama {min}, aku jg mau nanya ini",
          "tolong dijawab {min}, aku jg butuh infonya"],
}
IG_REPEAT = {
    MI: ["{min} aku yg kemarin komen, insentif msh blm masuk jg",
         "komen lg nih {min}, insentif aku gimna? blm masuk2",
         "masih nunggu insentif {min}, udh {nn} minggu lho"],
    UV: ["{min} yg kemarin soal saldo pelatihan blm ada kabar"],
    CP: ["{min} sertif aku msh blm terbit, kemarin udh komen",
         "komen lagi, sertif tetep blm muncul {min} 🙏"],
    PA: ["{min} aku yg kemarin komen soal rekening, gmn solusinya?"],
}
IG_THANKS = {
    MI: ["udh masuk {min} makasih 🙏", "alhamdulillah udh cair barusan, makasih {min}"],
    CP: ["sertif udh muncul, thx {min} ❤️"],
    PA: ["rekening udh beres {min}, makasih ya"],
    UV: ["udh beres {min}, makasih infonya 🙏"],
}
IG_TAG_REPLY = ["@{friend} nah ini sama kyk km kemarin", "@{friend} liat nih",
                "@{friend} @{friend2} baca ini"]

# Deliberately hostile-looking but harmless texts, to exercise escaping in the web views.
IG_HOSTILE = [
    (MI, "{min} insentif aku blm masuk <script>alert(1)</script> udh 2 minggu 😡"),
    (CP, "sertif blm terbit <img src=x onerror=alert(1)> tolong dicek {min}"),
    (UV, "saldo kepotong tp pelatihan gk ada \"><svg onload=alert(1)> gmn {min}"),
    (PA, "ganti nomor {ewallet} gmn {min}? <a href=\"javascript:alert(1)\">klik</a> & </textarea>"),
]

# --------------------------------------------------------------------------- helpers


def rupiah(n: int) -> str:
    return "Rp " + f"{n:,}".replace(",", ".")


def make_slots(rng: random.Random, now: datetime) -> dict[str, str]:
    ew, ew2 = rng.sample(EWALLETS, 2)
    course, course_k = rng.choice(COURSES)
    price = rng.choice(range(150_000, 900_001, 25_000))
    sisa = rng.choice([15_000, 25_000, 35_000, 40_000, 50_000, 65_000, 75_000, 90_000, 100_000,
                       120_000, 150_000, 175_000, 200_000, 250_000])
    gel = rng.randint(3, 72)
    past = now - timedelta(days=rng.randint(5, 40))
    month_dt = now - timedelta(days=rng.choice([0, 31]))
    call = rng.choice(CALL)
    return {
        "ewallet": ew, "ewallet2": ew2, "platform": rng.choice(PLATFORMS),
        "course": course, "course_k": course_k,
        "price": rupiah(price), "price_k": f"{price // 1000}rb",
        "sisa": rupiah(sisa), "sisa_k": f"{sisa // 1000}rb",
        "gel": str(gel), "gel_next": str(gel + 1),
        "date": f"{past.day} {BULAN[past.month]}", "d": f"{past.day} {BLN[past.month].lower()}",
        "month": BULAN[month_dt.month],
        "n": rng.choice(["dua", "tiga", "empat"]), "nn": str(rng.randint(2, 5)),
        "ke": rng.choice(["pertama", "kedua", "ketiga", "keempat"]),
        "ke_num": str(rng.randint(1, 4)),
        "score": str(rng.randint(70, 98)), "pct": str(rng.choice([80, 85, 90, 95, 97, 98, 99])),
        "phone": phone(rng), "phone2": phone(rng), "acct": str(rng.randint(10**9, 10**10 - 1)),
        "invoice": f"INV/2026{past.month:02d}{past.day:02d}/PRK/{rng.randint(10**8, 10**9 - 1)}",
        "city": rng.choice(CITIES),
        "min": call, "MIN": call.upper(),
        "friend": ig_handle(rng), "friend2": ig_handle(rng),
    }


def phone(rng: random.Random) -> str:
    prefix = "08" + rng.choice(["12", "13", "21", "22", "52", "53", "57", "77", "78", "81",
                                "95", "96"])
    rest = "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([7, 8])))
    if rng.random() < 0.4:
        return f"{prefix}-{rest[:4]}-{rest[4:]}"
    return prefix + rest


def ig_handle(rng: random.Random) -> str:
    a, b = rng.choice(IG_A), rng.choice(IG_B)
    n = rng.randint(1, 99)
    style = rng.randrange(9)
    return [f"{a}_{b}{n}", f"{a}.{b}", f"{a}{b}_", f"{a}_{n:02d}", f"its{a}{b}",
            f"{a}.{b}.{n}", f"mamah_{a}{n}", f"{a}_olshop{n}", f"bang{a}_{b}"][style]


def local_hour_greeting(when: datetime) -> str:
    h = when.hour
    waktu = "pagi" if h < 11 else "siang" if h < 15 else "sore" if h < 18 else "malam"
    return waktu


def quote_header(parent: dict) -> str:
    w: datetime = parent["when"].astimezone(parent["person"]["tz"])
    return (f"Pada {HARI[w.weekday()]}, {w.day} {BLN[w.month]} {w.year} pukul "
            f"{w.hour:02d}.{w.minute:02d}, {parent['author']} menulis:")


def stretch(text: str, rng: random.Random) -> str:
    """Repeat the last letter of one slang word (blm -> blmmm) like people do when annoyed."""
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if w.lower() in {"blm", "belum", "min", "tolong", "lama",
                                                            "masuk", "cair", "dong"}]
    if not idx:
        return text
    i = rng.choice(idx)
    words[i] = words[i] + words[i][-1] * rng.randint(2, 4)
    return " ".join(words)


class Generator:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.records: list[dict] = []
        self.seen_text: set[str] = set()
        self.used_ig: set[str] = set()
        self.used_email: set[str] = set()

    # ---------------------------------------------------------------- identities
    def new_email_person(self) -> dict:
        rng = self.rng
        while True:
            if rng.random() < 0.5:
                first, last = rng.choice(F_FIRST), rng.choice(F_LAST + ANY_LAST)
            else:
                first, last = rng.choice(M_FIRST), rng.choice(M_LAST + ANY_LAST)
            f, l = first.lower().replace(" ", ""), last.lower()
            n = rng.randint(70, 99) if rng.random() < 0.5 else rng.randint(1, 99)
            local = rng.choice([f"{f}.{l}{n}", f"{f}{l}", f"{f}_{l}", f"{f[0]}{l}{n}",
                                f"{f}.{l[0]}", f"{f}{n}", f"{l}.{f}"])
            addr = f"{local}@{rng.choice(DOMAINS)}"
            if addr in self.used_email:
                continue
            self.used_email.add(addr)
            full = f"{first} {last}"
            r = rng.random()
            display = full if r < 0.8 else full.lower() if r < 0.9 else first
            sig = full if rng.random() < 0.75 else first
            tz = WIB if rng.random() < 0.8 else WITA if rng.random() < 0.75 else WIT
            return {"author": f"{display} <{addr}>", "name": full, "sig": sig, "tz": tz}

    def new_ig_user(self) -> str:
        while True:
            h = ig_handle(self.rng)
            if h not in self.used_ig:
                self.used_ig.add(h)
                return h

    # ---------------------------------------------------------------- time
    def top_time(self, channel: str) -> datetime:
        rng = self.rng
        hours = list(range(24))
        if channel == "email":
            weights = [1, 0, 0, 0, 0, 1, 2, 5, 9, 10, 10, 9, 7, 9, 9, 8, 6, 4, 3, 4, 4, 3, 2, 1]
        else:
            weights = [4, 2, 1, 0, 1, 2, 4, 6, 7, 7, 6, 7, 8, 7, 6, 6, 6, 7, 8, 9, 10, 10, 8, 6]
        while True:
            day = START.date() + timedelta(days=rng.randrange(11))
            hour = rng.choices(hours, weights)[0]
            t = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60),
                         tzinfo=WIB)
            # keep some room at the end so that there is time for replies
            if START <= t <= END - timedelta(hours=1):
                return t

    def reply_time(self, after: datetime, lo_min: int, hi_min: int) -> datetime | None:
        room = (END - after).total_seconds() / 60
        if room < lo_min + 1:
            return None
        hi = min(hi_min, room - 1)
        return after + timedelta(seconds=round(self.rng.uniform(lo_min, hi) * 60))

    # ---------------------------------------------------------------- texts
    def unique(self, make) -> str:
        for _ in range(200):
            text = make()
            if text not in self.seen_text:
                self.seen_text.add(text)
                return text
        raise RuntimeError("could not produce a unique text")

    def fill(self, template: str, slots: dict) -> str:
        return template.format_map(slots)

    def email_body(self, label: str, person: dict, when: datetime, core: str, slots: dict,
                   angry: bool) -> str:
        rng = self.rng
        local = when.astimezone(person["tz"])
        waktu = local_hour_greeting(local)
        who = rng.choice(["Admin", "Bapak/Ibu", "Admin Prakerja", "Bapak/Ibu Admin",
                          "Tim Kartu Prakerja"])
        greet = rng.choice([f"Selamat {waktu} {who},", f"Selamat {waktu} {who},", "Dengan hormat,",
                            f"Yth. Admin Kartu Prakerja,\n\nSelamat {waktu},", f"Halo {who},"])
        s = dict(slots, name=person["name"], sig=person["sig"])
        parts = [greet]
        first = []
        if label != NOISE and rng.random() < 0.75:
            intro = rng.choice(INTRO_REG if label == REG else INTRO_OTH if label == OTH else INTRO)
            first.append(intro.format_map(s))
        first.append(core.format_map(s))
        if label in DETAIL and rng.random() < 0.4:
            first.append(rng.choice(DETAIL[label]).format_map(s))
        parts.append(" ".join(first) if rng.random() < 0.5 else "\n\n".join(first))
        if angry and rng.random() < 0.7:
            parts.append("Ini sudah kesekian kalinya saya menghubungi. Tolong jangan hanya dibalas "
                         "dengan jawaban otomatis.")
        request = rng.choice(REQUEST) if label != NOISE else ""
        if request:
            parts.append(request)
        closings = CLOSING if "terima kasih" not in request else CLOSING[4:]  # no double thanks
        parts.append(rng.choice(closings).format_map(s))
        return "\n\n".join(parts)

    def ig_text(self, label: str, template: str, slots: dict) -> str:
        rng = self.rng
        text = self.fill(template, slots)
        if label in MOOD and rng.random() < 0.35 and (text[-1].isalnum() or text[-1] in "?!"):
            text = f"{text} {rng.choice(MOOD[label])}"
        if label != NOISE and rng.random() < 0.2:
            text = stretch(text, rng)
        if label not in (NOISE, OTH) and rng.random() < 0.05:
            text = text.upper()
        return text

    # ---------------------------------------------------------------- records
    def add(self, **rec) -> dict:
        rec["key"] = len(self.records)
        self.records.append(rec)
        return rec

    def email_top(self, label: str, template: tuple[str, str], angry: bool = False,
                  person: dict | None = None) -> dict:
        person = person or self.new_email_person()
        when = self.top_time("email")
        subj_t, core = template
        box = {}

        def make() -> str:
            slots = make_slots(self.rng, when)
            box["subject"] = self.fill(subj_t, slots)
            box["slots"] = slots
            return self.email_body(label, person, when, core, slots, angry)

        text = self.unique(make)
        subject = box["subject"]
        r = self.rng.random()
        if label != NOISE and r < 0.15 and not subject[:3].isupper():
            subject = rng_prefix(self.rng) + subject
        elif r > 0.93:
            subject = subject.lower()
        return self.add(channel="email", person=person, author=person["author"], text=text,
                        when=when, subject=subject, label=label, parent=None, slots=box["slots"])

    def email_reply(self, parent: dict, label: str, thanks_for: str | None = None) -> dict | None:
        rng = self.rng
        when = self.reply_time(parent["when"], 180, 3 * 24 * 60)
        if when is None:
            return None
        person = parent["person"]
        root_subject = parent["subject"][4:] if parent["subject"].startswith("Re: ") else parent["subject"]
        slots = parent["slots"]
        local = when.astimezone(person["tz"])
        plocal = parent["when"].astimezone(person["tz"])

        def make() -> str:
            who = rng.choice(["Admin", "Bapak/Ibu", "Admin Prakerja"])
            greet = f"Selamat {local_hour_greeting(local)} {who},"
            s = dict(slots, sig=person["sig"], greet=greet,
                     pdate=f"{plocal.day} {BULAN[plocal.month]} {plocal.year}")
            if thanks_for:
                resolved = rng.choice(EMAIL_THANKS[thanks_for]).format_map(s)
                s["resolved"] = resolved
                s["resolved_lc"] = resolved[0].lower() + resolved[1:]
                return rng.choice(EMAIL_THANKS_FRAMES).format_map(s)
            days = (when - parent["when"]).days
            s["elapsed"] = f"{days} hari" if days >= 1 else "beberapa jam"
            depth, up = 2, parent
            while up["parent"] is not None:
                depth, up = depth + 1, self.records[up["parent"]]
            s["nth"] = {2: "kedua", 3: "ketiga"}.get(depth, "kesekian")
            s["status"] = rng.choice(FOLLOW_STATUS[label]).format_map(s)
            s["extra"] = rng.choice(FOLLOW_EXTRA[label]).format_map(s)
            body = rng.choice(FOLLOW_FRAMES).format_map(s)
            return body

        text = self.unique(make)
        if rng.random() < 0.4:
            quoted = "\n".join(("> " + ln) if ln else ">" for ln in parent["text"].splitlines())
            text = f"{text}\n\n{quote_header(parent)}\n{quoted}"
        return self.add(channel="email", person=person, author=person["author"], text=text,
                        when=when, subject="Re: " + root_subject, label=label,
                        parent=parent["key"], slots=slots)

    def ig_top(self, label: str, templates: list[str], author: str | None = None,
               after: datetime | None = None) -> dict | None:
        if after is None:
            when = self.top_time("instagram")
        else:
            when = self.reply_time(after, 12 * 60, 4 * 24 * 60)
            if when is None:
                return None
        author = author or self.new_ig_user()
        box = {}

        def make() -> str:
            slots = make_slots(self.rng, when)
            box["slots"] = slots
            return self.ig_text(label, self.rng.choice(templates), slots)

        text = self.unique(make)
        return self.add(channel="instagram", author=author, text=text, when=when, label=label,
                        parent=None, slots=box["slots"])

    def ig_reply(self, parent: dict, label: str, templates: list[str], author: str,
                 after: datetime | None = None) -> dict | None:
        when = self.reply_time(after or parent["when"], 3, 2 * 24 * 60)
        if when is None:
            return None

        def make() -> str:
            slots = dict(make_slots(self.rng, when))
            for k in ("ewallet", "platform", "gel"):  # stay on the parent's facts
                slots[k] = parent["slots"][k]
            return self.ig_text(label, self.rng.choice(templates), slots)

        text = self.unique(make)
        return self.add(channel="instagram", author=author, text=text, when=when, label=label,
                        parent=parent["key"], slots=parent["slots"])

    # ---------------------------------------------------------------- plan
    def thread_last(self, root: dict) -> dict:
        """The latest message in the thread under root (root itself when nobody replied)."""
        keys, last = {root["key"]}, root
        for r in self.records:  # records are appended after their parents
            if r["parent"] in keys:
                keys.add(r["key"])
                last = max(last, r, key=lambda x: x["when"])
        return last

    def pick(self, pool: list[dict]) -> dict:
        return pool[self.rng.randrange(len(pool))]

    def build(self) -> list[dict]:
        rng = self.rng
        # -- e-mail, top-level
        for label, (n_top, _) in EMAIL_PLAN.items():
            if label == NOISE:
                self.email_top(NOISE, EMAIL_NOISE_TOP[rng.randrange(2)])
                spammer = {"author": "Promo Digital Nusantara <promo@mail.example.org>",
                           "name": "Promo Digital Nusantara", "sig": "Tim Promo Digital",
                           "tz": WIB}
                self.email_top(NOISE, EMAIL_SPAM[rng.randrange(2)], person=spammer)
                continue
            templates = list(EMAIL_CORE[label])
            rng.shuffle(templates)
            for i in range(n_top):
                t = templates[i % len(templates)]
                angry = any(w in (t[0] + t[1]) for w in ("URGENT", "TOLONG", "kecewa", "Urgent"))
                self.email_top(label, t, angry=angry or rng.random() < 0.05)
        # -- e-mail, follow-ups (some chains of two follow-ups)
        for label, (_, n_rep) in EMAIL_PLAN.items():
            if label == NOISE:
                continue
            done = 0
            while done < n_rep:
                tops = [r for r in self.records if r["channel"] == "email" and r["label"] == label]
                if done and rng.random() < 0.3:
                    pool = [r for r in tops if r["parent"] is not None]
                else:
                    pool = [r for r in tops if r["parent"] is None
                            and not any(c["parent"] == r["key"] for c in self.records)]
                if not pool:
                    continue
                if self.email_reply(self.pick(pool), label):
                    done += 1
        thanks_done = 0
        while thanks_done < EMAIL_PLAN[NOISE][1]:
            pool = [r for r in self.records if r["channel"] == "email"
                    and r["label"] in EMAIL_THANKS and r["parent"] is None]
            parent = self.pick(pool)
            if self.email_reply(self.thread_last(parent), NOISE, thanks_for=parent["label"]):
                thanks_done += 1

        # -- instagram, top-level (hostile ones first so they are among the tops)
        hostile_left = {lab: tpl for lab, tpl in IG_HOSTILE}
        for label, (n_top, _, _, _) in IG_PLAN.items():
            templates = list(IG_CORE[label])
            rng.shuffle(templates)
            for i in range(n_top):
                if label in hostile_left and i == 0:
                    tpl = hostile_left.pop(label)
                    when = self.top_time("instagram")
                    slots = make_slots(rng, when)
                    text = tpl.format_map(slots)  # no slang decoration: keep markup intact
                    self.seen_text.add(text)
                    self.add(channel="instagram", author=self.new_ig_user(), text=text, when=when,
                             label=label, parent=None, slots=slots)
                    continue
                self.ig_top(label, [templates[i % len(templates)]])
        n_top, n_thanks, n_tag = IG_NOISE_PLAN
        order = list(range(len(IG_NOISE)))
        rng.shuffle(order)
        for i in range(n_top):
            if i < 4:  # emoji-only comments
                when = self.top_time("instagram")
                text = self.unique(lambda: "".join(
                    e * rng.randint(1, 4) for e in rng.sample(EMOJI_ONLY, rng.randint(1, 2))))
                self.add(channel="instagram", author=self.new_ig_user(), text=text, when=when,
                         label=NOISE, parent=None, slots=make_slots(rng, when))
                continue
            idx = order[i - 4]
            author = None
            if idx in IG_SPAM_IDX:
                author = rng.choice([u for u in SPAM_USERS if u not in self.used_ig])
                self.used_ig.add(author)
            self.ig_top(NOISE, [IG_NOISE[idx]], author=author)

        # -- instagram, replies and repeat comments
        for label, (_, n_self, n_metoo, n_repeat) in IG_PLAN.items():
            tops = [r for r in self.records if r["channel"] == "instagram" and r["label"] == label
                    and r["parent"] is None]
            done = 0
            while done < n_self:
                parent = self.pick(tops)
                tpls = IG_SELF_FOLLOW[None] + IG_SELF_FOLLOW[label] * 2
                if self.ig_reply(parent, label, tpls, parent["author"]):
                    done += 1
            done = 0
            while done < n_metoo:
                # popular complaints collect several "me too" replies
                parent = tops[min(int(rng.expovariate(0.35)), len(tops) - 1)]
                if self.ig_reply(parent, label, IG_METOO[label], self.new_ig_user()):
                    done += 1
            done = 0
            while done < n_repeat:
                earlier = self.pick(tops)
                if self.ig_top(label, IG_REPEAT[label], author=earlier["author"],
                               after=earlier["when"]):
                    done += 1
        done = 0
        while done < n_thanks:
            pool = [r for r in self.records if r["channel"] == "instagram" and r["parent"] is None
                    and r["label"] in IG_THANKS and "<" not in r["text"]]
            parent = self.pick(pool)
            last = self.thread_last(parent)
            if self.ig_reply(parent, NOISE, IG_THANKS[parent["label"]], parent["author"],
                             after=last["when"]):
                done += 1
        done = 0
        while done < n_tag:
            pool = [r for r in self.records if r["channel"] == "instagram"
                    and r["parent"] is None and r["label"] != NOISE]
            if self.ig_reply(self.pick(pool), NOISE, IG_TAG_REPLY, self.new_ig_user()):
                done += 1
        return self.records


# --------------------------------------------------------------------------- the surge
# One problem many people write about within the last three hours: wave 61's third incentive
# is not arriving on LinkAja. The service groups these and flags the group as a surge, so a
# new supervisor sees one on the dashboard and can answer everyone at once. Own seed, own
# identities and ids: the rest of the file stays as it was. The first few name all three
# specifics (a group takes its specifics from its first member).
SURGE_SEED = 20261208
SURGE_SPAN = timedelta(minutes=170)
SURGE_POST = "https://www.instagram.com/p/DEMO61LinkAja/c/"
SURGE_EMAILS = [  # (subject, body); the sender's name is signed below

    ("Insentif ketiga gelombang 61 belum masuk ke LinkAja",
     "Selamat pagi Admin,\n\nSaya peserta gelombang 61. Insentif ketiga saya belum masuk ke akun LinkAja, padahal insentif pertama dan kedua lancar. Nomor LinkAja tidak pernah saya ganti."),
    ("Pencairan insentif bulan ke-3 (gel. 61) tidak diterima",
     "Dengan hormat,\n\nSampai pagi ini insentif bulan ke-3 belum saya terima di LinkAja. Saya peserta gelombang 61 dan sertifikat sudah terbit sejak lama. Di dasbor statusnya masih \"dalam proses\"."),
    ("Insentif ke-3 LinkAja belum cair - gelombang 61",
     "Halo tim Prakerja,\n\nTeman-teman satu gelombang (gelombang 61) juga mengeluhkan hal yang sama: insentif ketiga lewat LinkAja belum masuk hari ini. Apakah ada gangguan pembayaran ke LinkAja?"),
    ("Dana insentif ketiga belum masuk",
     "Selamat siang,\n\nInsentif ketiga saya (gelombang 61) seharusnya cair kemarin ke LinkAja, tetapi saldo LinkAja saya tidak bertambah. Riwayat transaksinya sudah saya cek."),
    ("Mohon cek insentif bulan ketiga",
     "Admin yang baik,\n\nSaya gelombang 61, e-wallet LinkAja. Insentif bulan ketiga belum masuk, sementara insentif sebelumnya selalu tepat waktu. Mohon dicek."),
    ("Insentif tahap 3 tidak masuk ke LinkAja",
     "Pagi admin,\n\nInsentif tahap 3 belum masuk ke LinkAja saya. Saya dari gelombang 61. Mohon informasinya kapan akan dikirim."),
    ("Pertanyaan insentif ketiga gelombang 61",
     "Selamat pagi,\n\nApakah pembayaran insentif ketiga untuk gelombang 61 ke LinkAja sedang tertunda? Saya belum menerimanya dan tidak ada pemberitahuan di dasbor."),
    ("Insentif bulan ke-3 belum diterima",
     "Dengan hormat,\n\nSaya ingin melaporkan bahwa insentif bulan ke-3 sebesar Rp 600.000 belum masuk ke akun LinkAja saya. Saya peserta gelombang 61."),
    ("Insentif LinkAja bulan ketiga",
     "Halo,\n\nInsentif ketiga saya belum masuk. Akun LinkAja aktif dan sudah premium, sertifikat juga sudah ada. Bagaimana ini, Admin?"),
    ("Belum terima insentif ke-3",
     "Selamat sore,\n\nInsentif ke-3 saya belum juga diterima di LinkAja, padahal di grup peserta banyak yang bilang hari ini jadwalnya. Mohon penjelasan."),
    ("Insentif ketiga tidak masuk",
     "Admin Prakerja,\n\nSaya gelombang 61. Insentif ketiga tidak masuk ke LinkAja. Mohon dibantu cek."),
    ("URGENT insentif bulan ke-3 gelombang 61",
     "Tolong segera dicek, insentif bulan ke-3 saya di LinkAja belum masuk. Saya sangat membutuhkan dana itu untuk bayar kontrakan."),
    ("Pencairan ke-3 insentif belum masuk",
     "Selamat pagi,\n\nPencairan ke-3 insentif saya belum masuk ke LinkAja. Pencairan pertama dan kedua lancar. Gelombang 61."),
    ("Status insentif ketiga",
     "Halo admin,\n\nDi dasbor tertulis insentif ketiga sudah dikirim ke LinkAja, tetapi belum ada dana masuk di aplikasi LinkAja saya. Saya gelombang 61."),
    ("Insentif ke-3 gelombang 61 belum cair",
     "Permisi,\n\nMau tanya kenapa insentif ke-3 gelombang 61 yang ke LinkAja belum cair ya? Katanya yang ke e-wallet lain sudah."),
    ("Insentif bulan ketiga belum masuk LinkAja",
     "Selamat pagi Bapak/Ibu,\n\nSaya peserta gelombang 61 dengan akun LinkAja. Insentif bulan ketiga belum saya terima. Mohon bantuannya."),
]
SURGE_COMMENTS = [
    "min insentif ke 3 gel 61 blm masuk ke linkaja 😭",
    "gelombang 61 insentif ketiga linkaja belum cair min, kapan??",
    "admin tolong dicek insentif bulan ke 3 gel 61 ke linkaja blm masuk sampe skrg",
    "insentif ke-3 blm masuk kak, padahal yg pertama sm kedua lancar ke linkaja. glb 61",
    "kok insentif ketiga gelombang 61 belum ada ya min? linkaja aman kok",
    "min pencairan ketiga ke linkaja kapan? udh lewat jadwal",
    "gel 61 disini, insentif ke 3 ke linkaja belum masuk jg 🙏",
    "insentif bln ke 3 belum cair min 😢 linkaja, gelombang 61",
    "mimin insentif ketiga gel 61 ga masuk2 ke linkaja tolong infonya",
    "blm masuk min insentif ketiganya, linkaja. gelombang 61",
    "apa cuma aku yg insentif ke-3 blm masuk? linkaja gel 61",
    "min insentif ketiga saya blm diterima di linkaja, sertifikat udh ada dari lama",
    "insentif ke 3 gelombang 61 pending terus min 🙄 linkaja",
    "udah jam segini insentif ketiga linkaja blm masuk min",
    "mohon dicek min insentif bulan ke-3 gel 61 via linkaja blm diterima",
    "gel 61 insentif ketiga blm cair, linkaja. yg lain udah??",
    "kak admin insentif ke 3 ku blm masuk ke linkaja, gelombang 61 🙏🙏",
    "insentif ketiga blm masuk ke linkaja padahal yg sebelumnya lancar. gel 61",
    "min ini insentif ketiga gel 61 kenapa blm cair ke linkaja ya",
    "linkaja saya blm nerima insentif ke-3 min. gel 61",
    "halo min, insentif ketiga gelombang 61 belum masuk linkaja sampai sore ini",
    "gimana min insentif bulan ketiga gel 61 ke linkaja? blm ada kabar",
    "saya jg min, insentif ketiga linkaja gel 61 blm masuk",
    "tolong min insentif ke 3 linkaja gelombang 61 belum cair 😭😭",
    "insentif ketiga aku blm masuk min, linkaja, gel 61. udh cek riwayat ga ada",
    "sertifikat udh terbit, insentif ke-3 gel 61 ga masuk2 ke linkaja min",
]


def surge_rows(gen: "Generator") -> list[dict]:
    """The surge's records, ready for the file: emails and comments from people new to the data."""
    gen.rng = rng = random.Random(SURGE_SEED)
    items = [("email", e) for e in SURGE_EMAILS] + [("instagram", c) for c in SURGE_COMMENTS]
    first, rest = [items[0], items[len(SURGE_EMAILS)], items[1]], items[2:len(SURGE_EMAILS)] + items[len(SURGE_EMAILS) + 1:]
    rng.shuffle(rest)
    items = first + rest
    n, rows, ig_id = len(items), [], 17_900_000_200_000_000
    for i, (channel, content) in enumerate(items):
        # Arrivals quicken towards the end: the inflow chart shows the surge's rise.
        when = (END - SURGE_SPAN * (1 - (i / n) ** 0.7) - timedelta(minutes=6)).replace(microsecond=0)
        when += timedelta(seconds=rng.randrange(40))
        if channel == "email":
            person = gen.new_email_person()
            subject, body = content
            rows.append({"channel": "email", "author": person["author"], "text": f"{body}\n\n{person['sig']}",
                         "created_at": when.isoformat(), "subject": subject,
                         "source_id": f"<demo-surge-{i + 1:02d}@mail.example.com>", "label": MI})
        else:
            ig_id += rng.randint(1, 999) * 1000 + rng.randint(0, 999)
            rows.append({"channel": "instagram", "author": gen.new_ig_user(), "text": content,
                         "created_at": when.isoformat(), "source_id": f"ig-{ig_id}", "url": f"{SURGE_POST}{ig_id}/",
                         "label": MI})
    return rows


def rng_prefix(rng: random.Random) -> str:
    return rng.choice(["Mohon bantuan: ", "Pertanyaan: ", "[Kartu Prakerja] ", "Pengaduan - "])


def finalize(records: list[dict], rng: random.Random) -> list[dict]:
    """Sort by time, give source ids in arrival order, and produce the output objects."""
    records = sorted(records, key=lambda r: (r["when"], r["key"]))
    ids: dict[int, str] = {}
    n_mail, ig_id = 0, 17_900_000_000_000_000
    out = []
    for r in records:
        if r["channel"] == "email":
            n_mail += 1
            sid = f"<demo-{n_mail:04d}@mail.example.com>"
            when = r["when"].astimezone(r["person"]["tz"])
        else:
            ig_id += rng.randint(1, 999) * 1000 + rng.randint(0, 999)
            sid = f"ig-{ig_id}"
            when = r["when"].astimezone(WIB)
        ids[r["key"]] = sid
        obj = {"channel": r["channel"], "author": r["author"], "text": r["text"],
               "created_at": when.replace(microsecond=0).isoformat()}
        if r["channel"] == "email":
            obj["subject"] = r["subject"]
        obj["source_id"] = sid
        if r["parent"] is not None:
            obj["in_reply_to"] = ids[r["parent"]]  # parent sorts earlier: replies come later
        obj["label"] = r["label"]
        out.append(obj)
    return out


def check(rows: list[dict]) -> None:
    seen: dict[str, dict] = {}
    texts = set()
    for row in rows:
        assert row["source_id"] not in seen, row["source_id"]
        assert row["text"] not in texts, row["text"]
        t = datetime.fromisoformat(row["created_at"])
        assert START <= t <= END, row
        if "in_reply_to" in row:
            parent = seen[row["in_reply_to"]]
            assert datetime.fromisoformat(parent["created_at"]) < t, row
            if row["channel"] == "email":
                assert parent["author"] == row["author"], row
        seen[row["source_id"]] = row
        texts.add(row["text"])


def main() -> None:
    gen = Generator()
    rows = finalize(gen.build(), gen.rng)
    rows = sorted(rows + surge_rows(gen), key=lambda r: datetime.fromisoformat(r["created_at"]))  # stable: ties keep their order
    check(rows)
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} records to {OUT}")


if __name__ == "__main__":
    main()
