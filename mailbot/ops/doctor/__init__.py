"""`mailbot doctor`: one check per connection, and the report."""
