"""Chat adapters: each turns a platform payload into an IncomingMessage and Replies into the platform format."""
