"""The citizen API's boundary: request models, response views, and the error mapping."""
