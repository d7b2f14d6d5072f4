"""The portal's tables as Django models. ``managed = False``: the portal's migrations own them."""

from django.db import models

POLICY_LEDGER_KINDS = ("policy_consent", "policy_acknowledgment", "policy_material_consent")


class User(models.Model):
    email = models.CharField(max_length=254, null=True)
    email_key = models.CharField(max_length=254, null=True, unique=True)
    name = models.CharField(max_length=100, default="")
    job_title = models.CharField(max_length=100, null=True)
    invoice_email = models.CharField(max_length=254, null=True)
    phone = models.CharField(max_length=20, null=True)
    customer_type = models.CharField(max_length=20, null=True)
    password_hash = models.CharField(max_length=255, null=True)
    preferred_language = models.CharField(max_length=8, default="en")
    wechat_openid = models.CharField(max_length=64, null=True, unique=True)
    email_verified_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "users"


class LoginSession(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    remember = models.BooleanField(default=False)
    user_agent = models.CharField(max_length=300, default="")
    ip_address = models.CharField(max_length=45, default="")
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "login_sessions"


class ConsentRecord(models.Model):
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True)
    kind = models.CharField(max_length=40)
    purpose = models.CharField(max_length=40, null=True)
    policy_version = models.CharField(max_length=20, null=True)
    language = models.CharField(max_length=8)
    channel = models.CharField(max_length=20)
    occurred_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "consent_records"


# The overview of the Personal Center counts these: only the owner's column is needed.
class ShippingAddress(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE)

    class Meta:
        managed = False
        db_table = "shipping_addresses"


class CorporateInvoice(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE)

    class Meta:
        managed = False
        db_table = "corporate_invoices"


class PersonalInvoice(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE)

    class Meta:
        managed = False
        db_table = "personal_invoices"


class EmailSubscription(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    confirmed_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "email_subscriptions"


class QuoteRequest(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    status = models.CharField(max_length=20)

    class Meta:
        managed = False
        db_table = "quote_requests"
