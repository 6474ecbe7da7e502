"""Services shared by the command line and the GUI: load from the store, compute with the core."""
