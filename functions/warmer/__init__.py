"""Keeps N environments of the api alias warm. Needs only boto3 (in the runtime)."""
