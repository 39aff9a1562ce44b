from muninn_shared.serve import serve

from muninn_gateway.settings import GatewaySettings

if __name__ == "__main__":
    serve("muninn_gateway.main:create_app", GatewaySettings())
