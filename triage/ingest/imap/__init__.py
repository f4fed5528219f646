"""The email source: IMAP folders read with imaplib2, once (a scheduled fetch) or watched with IDLE.

connection.py opens and verifies the connection and keeps secrets out of errors; folder.py
reads a folder from its cursor; idle.py waits for new mail and paces reconnects; source.py
holds the two sources the jobs hand to the runner: a folder fetched once, a folder watched.
"""
