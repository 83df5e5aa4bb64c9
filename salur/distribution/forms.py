"""Forms of the distribution pages (server-side validation, Indonesian messages)."""

from __future__ import annotations

from django import forms

from salur.distribution.models import Item


class ReceiptForm(forms.Form):
    item = forms.ModelChoiceField(Item.objects.all(), label="Barang", to_field_name="kode")
    qty = forms.IntegerField(label="Jumlah", min_value=1)
    unit_price = forms.IntegerField(label="Harga satuan dibayar (Rp)", min_value=0)
    supplier = forms.CharField(label="Pemasok", max_length=200)
    document_no = forms.CharField(label="Nomor dokumen pengiriman", max_length=100)
    tanggal = forms.DateField(label="Tanggal terima")
