"""The SES v2 operation groups, one module each; importing a module registers its handlers.

    templates.py            Create/Get/Update/Delete/ListEmailTemplates, TestRenderEmailTemplate
    custom_verification.py  custom verification email templates, SendCustomVerificationEmail
    configuration_sets.py   Create/Get/Delete/ListConfigurationSets, the seven Put...Options
    event_destinations.py   Create/Update/Delete/GetConfigurationSetEventDestination(s)
    dedicated_ips.py        dedicated IP pools and IPs (+ admin action set_dedicated_ips)
    suppression.py          the account suppression list, PutAccountSuppressionAttributes
    account.py              GetAccount, PutAccount{Details,SendingAttributes,VdmAttributes}
                            (+ admin action configure_account)
    identities.py           email identities, DKIM, the five Put...Attributes, policies
                            (+ admin actions verify_identity, configure_identities)
    contacts.py             contact lists with topics, contacts
    tags.py                 Tag/Untag/ListTagsForResource on every taggable resource
    tenants.py              tenants, their resource associations, reputation entities
    multi_region_endpoints.py  multi-region (global) endpoints
    sending.py              SendEmail/SendBulkEmail (the sending engineer's)
    metrics.py              BatchGetMetricData (VDM's metrics, computed in ../vdm.py)
    common.py               what the groups share: validation (names, addresses, JSON objects,
                            shapes), what a Create refuses, paging and List answers, tags

Where SES's documentation is silent, the emulator chooses (and tests) this:

- Names SES leaves unconstrained (pools, event destinations, contact lists, topics) follow the
  documented template/configuration-set rule ``[A-Za-z0-9_-]{1,64}``.
- Create/UpdateEmailTemplate compile each part with the SES-profile renderer and refuse a
  template that does not parse (BadRequestException naming part, line and column), and
  TestRenderEmailTemplate answers a MIME message (Subject header, text/html alternatives).
  "500 KB" is 512,000 bytes of UTF-8 over subject + html + text.
- List operations return items sorted by name; NextToken is opaque and names the last item
  returned, so paging survives inserts and deletes. Page sizes: ListEmailTemplates 1-100
  (default 10), ListEmailIdentities 0-1000 (0 or absent = 100), every other list 1-1000
  (default 100). A malformed token is BadRequestException (InvalidNextTokenException for
  ListSuppressedDestinations, whose model defines it).
- A fresh configuration set reads back DeliveryOptions.TlsPolicy OPTIONAL,
  ReputationMetricsEnabled false, SendingEnabled true, Tags []. A boolean left out of a Put
  call (SendingEnabled, ReputationMetricsEnabled, SigningEnabled, EmailForwardingEnabled,
  AutoWarmupEnabled, an event destination's Enabled) is stored as false. Put...Options calls
  replace their whole group: leaving out CustomRedirectDomain / ArchiveArn / VdmOptions /
  SendingPoolName removes it.
- SuppressionOptions keep three states: absent (the set follows the account's reasons), a
  list, and an empty list (suppress nothing). A Put...SuppressionOptions or a create without
  a SuppressedReasons member removes the override (as SES does; Terraform's provider relies on
  it), so the set reads back without SuppressionOptions.
- SendingPoolName may name a pool you created or the built-in ``ses-default-dedicated-pool``
  / ``ses-shared-pool``. Deleting a pool that a configuration set uses is refused
  (BadRequestException) rather than leaving the set pointing at nothing; deleting a STANDARD
  pool moves its IPs to the default pool, a MANAGED pool's IPs are released. IPs of MANAGED
  pools cannot be moved or warmed by hand. The built-in pool names cannot be created.
- Event destinations: the target's ARN must name the right service (sns, firehose, iam role,
  events ``event-bus/default``, mobiletargeting); MatchingEventTypes is de-duplicated.
- Identities are matched case-insensitively. An address identity reports DKIM NOT_STARTED
  (its domain's DKIM applies). Easy DKIM tokens are 32 characters of [a-z0-9]. BYODKIM keys
  must decode to a DER RSA private key of 1024-2048 bits. At most 20 policies per identity;
  a policy must be a JSON object with a Statement. Deleting a configuration set leaves an
  identity's default pointing at it (sending then ignores the missing set).
- One contact list per account (SES's quota), 20 topics per list. UpdateContactList /
  UpdateContact keep members they leave out. TopicDefaultPreferences lists every topic's
  default. ListContacts: FilteredStatus without a TopicFilter selects by UnsubscribeAll;
  with one, a contact's status for the topic is OPT_OUT after UnsubscribeAll, else its
  explicit preference, else (UseDefaultIfPreferenceUnavailable) the topic default.
- Account defaults: production access, 50,000 recipients/24 h at 14 messages/s, suppression
  of BOUNCE and COMPLAINT, VDM DISABLED, EnforcementStatus HEALTHY. The sandbox (admin action
  configure_account(production_access_enabled=False)) is 200/24 h at 1/s. PutAccountDetails
  with ProductionAccessEnabled on a sandbox account leaves a PENDING review that
  configure_account(review_status="GRANTED") grants.
- Custom verification templates: 50 per account, ListCustomVerificationEmailTemplates pages
  1-50 (default 50), redirection URLs must be http(s); SendCustomVerificationEmail needs a
  verified FromEmailAddress (MessageRejected) and adds the address as a PENDING identity.
- Tag keys starting with ``aws:`` are refused; TagResource needs at least one tag.
"""
