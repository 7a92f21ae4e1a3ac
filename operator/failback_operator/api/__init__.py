"""Typed views of the custom resources and the vocabulary of their status."""
