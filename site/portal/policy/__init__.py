"""The Data Protection Policy: the generator behind ``build.py`` and the pages that serve it.

Stages, each a module of pure functions: ``content`` (load the Markdown and the inventory),
``model`` (immutable versions), ``render`` (HTML through the shared Jinja environment),
``writer`` (the output folder). ``check`` lints the content; ``library`` is what the site reads.
"""
