"""The framework's floor for the API load test (`benchmarks/api_load.py`): a minimal Django +
Django REST framework project — one APIView answering a small JSON body, no database, no
session, no authentication — served by the same gunicorn as the product, in the same run, so
the product's requests per second can be read as a fraction of what the framework itself does
on this machine at this moment."""
