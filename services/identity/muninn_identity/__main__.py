from muninn_shared.serve import serve

from muninn_identity.settings import IdentitySettings

if __name__ == "__main__":
    serve("muninn_identity.main:create_app", IdentitySettings())
