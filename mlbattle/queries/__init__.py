"""Every SQL statement of the app, parameterised with `?`, in this one folder, one module per reader:
`schema` (version and migrations), `loading` (a download into the tables, and matching), `admin` (organisers'
writes, runs, backup, setup), `boards` (what pages and the CLI read), `movement` (previous ranks, medal zones,
the alerts' reads). Callers use `queries.NAME`.

Nothing here is ever formatted with text that came from a person or a file. The one statement that is
shaped at run time, the CSV reader's column list, is built from column *counts and positions* only
(`c0`, `c1`, ...), see `read_csv_statement`.
"""

from .admin import *  # noqa: F401,F403
from .boards import *  # noqa: F401,F403
from .loading import *  # noqa: F401,F403
from .movement import *  # noqa: F401,F403
from .schema import *  # noqa: F401,F403
