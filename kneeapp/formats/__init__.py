"""Django's locale formats, where kneeapp differs (``FORMAT_MODULE_PATH``)."""
