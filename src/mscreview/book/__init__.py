"""Book build: executing the notebooks, rendering the Jupyter Book (HTML, PDF) and its Sphinx extensions."""
