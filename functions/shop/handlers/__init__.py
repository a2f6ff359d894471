"""Lambda entry points. Each module stays cheap to import (stdlib only at
module level) so that a keep-alive ping is answered before anything heavy
is loaded."""
