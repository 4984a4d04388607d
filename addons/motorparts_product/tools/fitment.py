"""Vehicle fitment rows (Year / Make / Model / Engine), validated and normalised once
for every channel: Shopify's fitment metafield and eBay's parts compatibility are both
made from what ``fitment_rows`` returns.

Pure functions: no Odoo environment. Bad rows raise ``ValueError`` with a sentence a
person can act on.
"""

MIN_YEAR, MAX_YEAR = 1900, 2100


def clean_text(value):
    """A stripped string, or None for None/False/blank (Odoo's empty values)."""
    if value is None or value is False:
        return None
    text = str(value).strip()
    return text or None


def clean_name(value):
    """Like ``clean_text`` with runs of white space collapsed (``"  Ford   Focus "``)."""
    text = clean_text(value)
    return " ".join(text.split()) if text else None


def _year(value, number):
    if isinstance(value, bool):
        year = None
    elif isinstance(value, int):
        year = value
    elif isinstance(value, str) and value.strip().isdigit():
        year = int(value.strip())
    else:
        year = None
    if year is None:
        raise ValueError(
            "Fitment row %d: the year %r is not a whole number such as 2015." % (number, value)
        )
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(
            "Fitment row %d: the year %d is not between %d and %d."
            % (number, year, MIN_YEAR, MAX_YEAR)
        )
    return year


def _fitment_sort_key(row):
    engine = row["engine"]
    return (
        row["year"],
        row["make"].casefold(),
        row["make"],
        row["model"].casefold(),
        row["model"],
        engine is not None,
        (engine or "").casefold(),
        engine or "",
    )


def fitment_rows(rows) -> list:
    """Validate and normalise vehicle fitment rows.

    Each row is a dict ``{"year", "make", "model", "engine"}``: the year a whole number
    from 1900 to 2100 (an int, or a string of digits), make and model non-empty
    (stripped, inner white space collapsed), engine optional (None when blank).

    Returns new ``{"year", "make", "model", "engine"}`` dicts, de-duplicated and sorted
    (year, make, model, engine). Raises ``ValueError`` naming the first bad row (rows are
    numbered from 1 in the order given).
    """
    unique = {}
    for number, row in enumerate(rows or (), 1):
        if not isinstance(row, dict):
            raise ValueError(
                "Fitment row %d is not a vehicle (a year, make, model and engine): %r."
                % (number, row)
            )
        year = _year(row.get("year"), number)
        make = clean_name(row.get("make"))
        if not make:
            raise ValueError("Fitment row %d (%d): the make is missing." % (number, year))
        model = clean_name(row.get("model"))
        if not model:
            raise ValueError("Fitment row %d (%d %s): the model is missing." % (number, year, make))
        engine = clean_name(row.get("engine"))
        unique.setdefault(
            (year, make, model, engine),
            {"year": year, "make": make, "model": model, "engine": engine},
        )
    return sorted(unique.values(), key=_fitment_sort_key)
