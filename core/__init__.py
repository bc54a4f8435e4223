"""The Mrejesho domain: models, services, reference numbers, phones, institutions, i18n.

Nothing here imports Flask or rq; a web request, an rq job, a CLI command and a
test all call the same functions with an explicit SQLAlchemy ``Session``.
"""
