"""Running the app beyond one process: several replicas behind nginx (deploy.replicas)."""
