"""A test-only app with a real payable kind ("test.invoice"), registered through the payments registry
exactly as orders and fairs will register theirs. Installed by tests/settings.py only."""
