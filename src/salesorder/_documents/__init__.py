"""The printed documents behind `salesorder.documents`: one module per concern.

* `errors`: the codes and `DocumentError`;
* `capitals`: `rmb_upper` (人民币大写);
* `views`: the structural protocols a form reads a price breakdown through, and `Seller`;
* `style`: labels and the locale rule shared by every printed document;
* `form`: the sales order form as data (every string already formatted);
* `text`, `html`, `pdf`: the three renderers; `pdf` needs the ``pdf`` extra (reportlab).
"""
