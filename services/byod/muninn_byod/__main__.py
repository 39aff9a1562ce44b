from muninn_shared.serve import serve

from muninn_byod.settings import ByodSettings

if __name__ == "__main__":
    serve("muninn_byod.main:create_app", ByodSettings())
