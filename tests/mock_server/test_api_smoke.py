def test_customer_roundtrip(api):
    customer = api.create_customer()
    assert customer["status"] == "PENDING_VERIFICATION"
    assert api.get(f"/client/customer/{customer['id']}").json() == customer
