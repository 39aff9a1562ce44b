from muninn_shared.serve import serve

from muninn_integrations.settings import IntegrationsSettings

if __name__ == "__main__":
    serve("muninn_integrations.main:create_app", IntegrationsSettings())
