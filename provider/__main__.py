"""Entry point of the k8s-labs component package: Pulumi runs it and talks to it over gRPC."""

from component_package.host import serve

if __name__ == "__main__":
    serve()
