"""Errors answered the way ShipStation's ASP.NET Web API answers them."""

from __future__ import annotations


class ApiError(Exception):
    """An answer other than 2xx: ``status`` and a body in ShipStation's error shape."""

    def __init__(self, status: int, message: str, body: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body or {
            "Message": "An error has occurred.",
            "ExceptionMessage": message,
            "ExceptionType": "System.Exception",
            "StackTrace": None,
        }


def invalid(errors: list[tuple[str, str]], root: str = "") -> ApiError:
    """400 for a body that does not match the declared shape: one sentence per field in
    ``ExceptionMessage``, and the same by field in ``ModelState``."""
    model_state: dict[str, list[str]] = {}
    for path, text in errors:
        model_state.setdefault(f"{root}.{path}" if root else path, []).append(text)
    sentence = "; ".join(f"{path} {text}" for path, text in errors)
    return ApiError(
        400,
        sentence,
        {
            "Message": "The request is invalid.",
            "ExceptionMessage": sentence,
            "ExceptionType": "System.ArgumentException",
            "StackTrace": None,
            "ModelState": model_state,
        },
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


UNAUTHORIZED_BODY = {"Message": "Authorization has been denied for this request."}


def no_route(path: str) -> ApiError:
    return ApiError(
        404,
        "no route",
        {"Message": f"No HTTP resource was found that matches the request URI '{path}'."},
    )
