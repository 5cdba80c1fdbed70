"""Where a cited source can be read: the public page or file behind each ``x-source``.

The schemas cite the pages we transcribed (``shared/docs/<api>/<page>.txt#field``, copies kept in
our repository) and the model files (botocore's ``service-2.json``, the Alibaba SDK's models). A
user is shown the public address of the same page or file, with the field or shape it is about.
Field anchors on the AWS pages are not guessed: the field is named beside the page.
"""

from __future__ import annotations

import re

_AWS_PAGES = {
    "aws-emr-serverless": "https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_{operation}.html",
    "aws-emr-containers": "https://docs.aws.amazon.com/emr-on-eks/latest/APIReference/API_{operation}.html",
}
_ALIBABA_PAGE = (
    "https://www.alibabacloud.com/help/en/emr/emr-serverless-spark/developer-reference/"
    "api-emr-serverless-spark-2023-08-08-{operation}"
)
_BOTOCORE = "https://github.com/boto/botocore/blob/develop/botocore/data/{model}"
_PYPI = "https://pypi.org/project/{name}/"
_PAGE = re.compile(r"shared/docs/(?P<api>[a-z-]+)/(?P<page>[A-Za-z]+?)(?:-dart-sdk)?\.txt(?:#(?P<part>.*))?")
_MODEL = re.compile(r"botocore (?P<model>\S+/service-2\.json)(?: (?P<rest>.*))?")
_PACKAGE = re.compile(r"(?P<name>alibabacloud-[a-z0-9-]+)(?: (?P<rest>.*))?")  # the official SDK and its runtime


def public(source: str) -> str:
    """The public address of a cited source, and what in it; the citation itself when there is none
    or when it already carries one (a service rule cites its page by address)."""
    if "https://" in source:
        return source
    if match := _PAGE.fullmatch(source):
        api, page, part = match["api"], match["page"], match["part"]
        operation = page[:1].upper() + page[1:]
        if api == "alibaba-emr-serverless-spark":
            url = _ALIBABA_PAGE.format(operation=operation.lower())
        elif api in _AWS_PAGES:
            url = _AWS_PAGES[api].format(operation=operation)
        else:
            return source
        return f"{url} ({part})" if part else url
    if match := _MODEL.fullmatch(source):
        url = _BOTOCORE.format(model=match["model"])
        return f"{url} ({match['rest']})" if match["rest"] else url
    if match := _PACKAGE.fullmatch(source):
        url = _PYPI.format(name=match["name"])
        return f"{url} ({match['rest']})" if match["rest"] else url
    return source
