"""prakerja-triage: inbound complaint triage for the Kartu Prakerja call center."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from flask import Flask

from triage.settings import Settings, load_settings


def create_app(config: Optional[Settings | Mapping[str, Any]] = None, *, web: bool = True) -> Flask:
    """Build the web app; `config` is a Settings object or overrides of the loaded settings.

    `web=False` leaves out the pages (views, login, CSRF, translations): the commands that
    serve none start without importing them.
    """
    if isinstance(config, Settings):
        settings = config
    else:
        settings = load_settings()
        if config:
            settings = settings.with_overrides(**dict(config))
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        instance_relative_config=True,
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.config.update(SECRET_KEY=settings.secret_key, SETTINGS=settings)

    from triage import cli, db, model_versions
    from triage.classifier import ModelSlot
    from triage.logs import configure_logging

    configure_logging(settings)
    # Loaded by what classifies (commands, scheduler), not here: scikit-learn and the model
    # cost seconds that every command and web worker would otherwise pay.
    slot = ModelSlot(settings.model_dir, check_seconds=settings.model_check_seconds)
    app.extensions["triage.model"] = slot
    db.init_app(app)
    # Every process follows the active version in the database: a promotion needs no restart.
    slot.watch(model_versions.pointer(app.extensions["triage.sessionmaker"]))
    cli.init_app(app)
    if web:
        from triage.web import init_app as init_web

        init_web(app)
    return app
