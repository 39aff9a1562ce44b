from muninn_shared.serve import serve

from muninn_conversation.settings import ConversationSettings

if __name__ == "__main__":
    serve("muninn_conversation.main:create_app", ConversationSettings())
