"""The local Functions host: runs ``function_app.app`` without Azure Functions Core Tools.

It serves the app's HTTP triggers under host.json's ``routePrefix``, fires its
timers on their NCRONTAB schedules, runs its queue triggers from Azurite, and
answers App Service's managed-identity token requests, so the production code
runs unchanged. Start it with ``python -m local.host``; never deployed.
"""
