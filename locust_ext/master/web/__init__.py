"""The master's web layer inside Locust's Flask app: the REST API blueprint, its OpenAPI description (derived
from the proto), the fleet page's blueprint, and the hooks on Locust's own app."""
