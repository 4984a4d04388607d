"""tools/fitment.py: the fitment rows every channel is fed from."""

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.motorparts_product.tools.fitment import fitment_rows


@tagged("post_install", "-at_install")
class TestFitmentRows(BaseCase):
    def test_bad_fitment_rows(self):
        cases = [
            ({"year": 1899, "make": "Ford", "model": "T"}, "row 2: the year 1899 is not between"),
            ({"year": 2101, "make": "Ford", "model": "T"}, "row 2: the year 2101 is not between"),
            ({"year": "20x5", "make": "Ford", "model": "T"}, "row 2: the year '20x5' is not"),
            ({"year": None, "make": "Ford", "model": "T"}, "row 2: the year None is not"),
            ({"year": True, "make": "Ford", "model": "T"}, "row 2: the year True is not"),
            ({"year": 2015, "make": "  ", "model": "Focus"}, r"row 2 \(2015\): the make is"),
            ({"year": 2015, "make": "Ford", "model": None}, r"row 2 \(2015 Ford\): the model"),
            ("2015 Ford Focus", "Fitment row 2 is not a vehicle"),
        ]
        good = {"year": 2010, "make": "Audi", "model": "A4"}
        for row, message in cases:
            with self.subTest(row=row), self.assertRaisesRegex(ValueError, message):
                fitment_rows([good, row])

    def test_fitment_rows_normalised(self):
        rows = fitment_rows(
            [
                {"year": " 2015 ", "make": "  Ford", "model": "Focus  ST", "engine": " "},
                {"year": 2015, "make": "Ford", "model": "Focus ST"},
            ]
        )
        self.assertEqual(
            rows, [{"year": 2015, "make": "Ford", "model": "Focus ST", "engine": None}]
        )
        self.assertEqual(fitment_rows(None), [])
