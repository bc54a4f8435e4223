from __future__ import annotations

import pytest
from flask import Flask

from core.directory import Directory, load_directory
from menus.machine import Menu


@pytest.fixture(scope="session")
def directory(app: Flask) -> Directory:
    """The directory as the service loads it: the shipped CSV and the district offices beside
    it, imported into the test database; the menus themselves never query."""
    with app.extensions["db"].sessionmaker() as session:
        return load_directory(session)


@pytest.fixture(scope="session")
def menu(directory: Directory) -> Menu:
    return Menu(directory)
