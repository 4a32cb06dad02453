"""The printed documents behind `salesorder.documents`: one module per concern.

* `errors`: the codes and `DocumentError`;
* `capitals`: `rmb_upper` (人民币大写);
* `views`: the structural protocols a form reads a price breakdown through, and `Seller`;
* `style`: labels and the locale rule shared by every printed document;
* `form`: the sales order form as data (every string already formatted);
* `text`, `html`: the text and HTML renderers of the order form;
* `pdf`: the A4 layout of any printed document through reportlab (the ``pdf`` extra,
  imported on use), shared with invoicing's printing; `order_pdf`: the order form on it.
"""
