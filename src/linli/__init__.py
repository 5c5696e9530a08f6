"""linli (邻里): community public services platform."""
