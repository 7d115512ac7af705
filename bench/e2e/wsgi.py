import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "e2e.settings")
os.environ.setdefault("E2E_VIEWS", "sync")

application = get_wsgi_application()
