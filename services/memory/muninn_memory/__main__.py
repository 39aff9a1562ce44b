from muninn_shared.serve import serve

from muninn_memory.settings import MemorySettings

if __name__ == "__main__":
    serve("muninn_memory.main:create_app", MemorySettings())
