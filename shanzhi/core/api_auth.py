from ninja.security import HttpBearer, SessionAuth

from shanzhi.core.services import api_token_authenticate


class BearerToken(HttpBearer):
    """Authorization: Bearer <token> from `shanzhi token create USERNAME`."""

    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


# Pages call the API with their session cookie (and CSRF token for writes); clients use tokens.
API_AUTH = [BearerToken(), SessionAuth()]
