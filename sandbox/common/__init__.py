"""What every platform sandbox shares: the HTTP server's life cycle and fault rules."""
