"""`labctl verify`: each lab's Testing step run on the cluster, and its reports (text, JSON, JUnit, HTML)."""
