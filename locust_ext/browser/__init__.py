"""The browser: Playwright and Chromium, and nothing else imports `playwright` (ruff's banned-API rule).

What may live here: which Chromium and flags (`chromium`), launching and replacing it (`runtime`), what each
browser step does in a page (`actions`), a user's context and page (`session`), the cap on browser users by memory
(`guard`), screenshots (`screenshots`) and the probe that tells an agent whether Chromium works (`probe`).
Importing these modules does not import gevent: the agent imports `probe` from its threads.
"""
