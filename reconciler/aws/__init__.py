"""The only package that builds boto3 clients; everything else asks it for them."""
