"""Composition root: create the Functions app and register one blueprint per module.

Nothing else happens here: a failure while this module imports would leave the
app with no functions at all, so settings and clients are built on first use.
"""

import azure.functions as func

from functions import api, health, jobs, schedules, slack

app = func.FunctionApp()
app.register_functions(health.bp)
app.register_functions(slack.bp)
app.register_functions(jobs.bp)
app.register_functions(schedules.bp)
app.register_functions(api.bp)
