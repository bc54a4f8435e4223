"""Domain errors, one tree so that every channel can turn them into a reply.

    MrejeshoError                 anything the domain refuses, with a ``code``
    ├── InvalidInput              bad input from a person or a file
    │   ├── InvalidPhone          a phone number that is not a Tanzanian number
    │   ├── InvalidReference      wrong length, non-digits, or a failed check digit
    │   ├── InvalidFeedback       empty description, unknown kind, bad rating ...
    │   └── ImportFailed          an institution CSV with bad rows (all listed)
    ├── NotFound                  a reference, institution or officer that does not exist
    │   ├── UnknownInstitution
    │   └── UnknownFeedback
    ├── NotAllowed                the person may not do this
    │   └── RateLimited           one number sent too many submissions in the window
    └── IllegalTransition         the status table refuses the change

Channels catch ``MrejeshoError`` and show ``code`` through the catalogues; the
message text is for logs and officers.
"""

from __future__ import annotations


class MrejeshoError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(MrejeshoError):
    code = "invalid_input"


class InvalidPhone(InvalidInput):
    code = "invalid_phone"


class InvalidReference(InvalidInput):
    code = "invalid_reference"


class InvalidFeedback(InvalidInput):
    code = "invalid_feedback"


class ImportFailed(InvalidInput):
    """An import refused as a whole; ``problems`` lists ``(line, reason)``."""

    code = "import_failed"

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        lines = "; ".join(f"line {line}: {reason}" for line, reason in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"nothing imported, {len(problems)} bad row(s): {lines}{more}")


class NotFound(MrejeshoError):
    code = "not_found"


class UnknownInstitution(NotFound):
    code = "unknown_institution"


class UnknownFeedback(NotFound):
    code = "unknown_feedback"


class NotAllowed(MrejeshoError):
    code = "not_allowed"


class RateLimited(NotAllowed):
    """One phone number may not flood an institution (see core.policies.SubmissionLimits)."""

    code = "rate_limited"


class IllegalTransition(MrejeshoError):
    code = "illegal_transition"
