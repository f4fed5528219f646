"""gunicorn settings for `gunicorn -c gunicorn.conf.py wsgi:app` (see README, Running at scale)."""
import multiprocessing
import os

bind = os.environ.get("TRIAGE_BIND", "127.0.0.1:8000")
# Requests are short and mostly wait on the database: a few threads per worker.
workers = int(os.environ.get("TRIAGE_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("TRIAGE_WEB_THREADS", 4))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Load the app (and the classifier) once in the master; workers share its memory pages.
preload_app = True
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# Never log query strings or bodies beyond the request line.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("TRIAGE_FORWARDED_ALLOW_IPS", "127.0.0.1")
