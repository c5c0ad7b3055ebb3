"""Views of the volunteers domain."""
