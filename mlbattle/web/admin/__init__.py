"""The Admin page's tabs, one module each; `pages/admin.py` only logs in and lays the tabs out.

Each tab is `show(ctx)` over one `Admin` context (the settings, the data version, the competitions and events
read once per run). Every action handler in these modules starts with `web.require_admin(cfg)`, so an action
runs only for a session logged in with the password configured at that moment, whatever the page showed
before; a test parses every file here to hold that.
"""
