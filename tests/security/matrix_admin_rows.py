"""The access matrix's rows for the admin (``MATRIX`` in ``test_access_matrix.py``).

Columns: anonymous, patient, other patient, physiotherapist (the patient's), other
physiotherapist, administrator. In the admin, whose querysets are narrowed to one's own
patients, an object outside them answers ``ADMIN_GONE`` (Django's redirect to the index),
never its page; a permission the role lacks is 403 (``NOPE``).
"""

from tests.security.matrix_outcomes import (
    ADMIN_GONE,
    CHANGE,
    DONE,
    FORM,
    GET,
    GONE,
    NON_STAFF,
    NOPE,
    OK,
    POST,
)

# fmt: off
ADMIN_MATRIX = {
    # admin: the site
    "admin:index":                  {GET: (*NON_STAFF, OK, OK, OK)},
    "admin:login":                  {GET: (OK, OK, OK, ADMIN_GONE, ADMIN_GONE, ADMIN_GONE)},
    "admin:logout":                 {GET: (ADMIN_GONE, ADMIN_GONE, ADMIN_GONE, 405, 405, 405)},
    "admin:password_change":        {GET: (*NON_STAFF, OK, OK, OK)},
    "admin:password_change_done":   {GET: (*NON_STAFF, OK, OK, OK)},
    # (with no parameters; with them: test_autocomplete_offers_only_ones_own_patients)
    "admin:autocomplete":           {GET: (*NON_STAFF, NOPE, NOPE, NOPE)},
    "admin:jsi18n":                 {GET: (*NON_STAFF, OK, OK, OK)},
    # No model has get_absolute_url(): "view on site" finds nothing, for any object.
    "admin:view_on_site":           {GET: (*NON_STAFF, GONE, GONE, GONE)},
    "admin:app_list":               {GET: (*NON_STAFF, OK, OK, OK)},
    "admin/(?P<url>.*)$":           {GET: (*NON_STAFF, GONE, GONE, GONE)},
    # admin: groups (administrators only)
    "admin:auth_group_changelist":  {GET: (*NON_STAFF, NOPE, NOPE, OK)},
    "admin:auth_group_add":         {GET: (*NON_STAFF, NOPE, NOPE, OK)},
    "admin:auth_group_history":     {GET: (*NON_STAFF, NOPE, NOPE, OK)},
    "admin:auth_group_delete":      {GET: (*NON_STAFF, NOPE, NOPE, OK),
                                     POST: (*NON_STAFF, NOPE, NOPE, DONE)},
    "admin:auth_group_change":      {GET: (*NON_STAFF, NOPE, NOPE, OK)},
    "admin/auth/group/<path:object_id>/":
                                    {GET: (*NON_STAFF, CHANGE, CHANGE, CHANGE)},
    # admin: users (a physiotherapist reads their own patients' accounts, changes nothing)
    "admin:kneeapp_user_changelist": {GET: (*NON_STAFF, OK, OK, OK),
                                      POST: (*NON_STAFF, OK, OK, DONE)},
    "admin:kneeapp_user_add":       {GET: (*NON_STAFF, NOPE, NOPE, OK),
                                     POST: (*NON_STAFF, NOPE, NOPE, FORM)},
    "admin:kneeapp_user_history":   {GET: (*NON_STAFF, OK, ADMIN_GONE, OK)},
    "admin:kneeapp_user_delete":    {GET: (*NON_STAFF, NOPE, NOPE, OK),
                                     POST: (*NON_STAFF, NOPE, NOPE, DONE)},
    "admin:kneeapp_user_change":    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK),
                                     POST: (*NON_STAFF, NOPE, ADMIN_GONE, FORM)},
    "admin:auth_user_password_change":
                                    {GET: (*NON_STAFF, NOPE, NOPE, OK),
                                     POST: (*NON_STAFF, NOPE, NOPE, FORM)},
    "admin/kneeapp/user/<path:object_id>/":
                                    {GET: (*NON_STAFF, CHANGE, CHANGE, CHANGE)},
    # admin: the exercise library (shared by every physiotherapist; no deleting)
    "admin:reminders_exercise_changelist":
                                    {GET: (*NON_STAFF, OK, OK, OK)},
    "admin:reminders_exercise_add": {GET: (*NON_STAFF, OK, OK, OK)},
    "admin:reminders_exercise_history":
                                    {GET: (*NON_STAFF, OK, OK, OK)},
    "admin:reminders_exercise_delete":
                                    {GET: (*NON_STAFF, NOPE, NOPE, OK),
                                     POST: (*NON_STAFF, NOPE, NOPE, OK)},
    "admin:reminders_exercise_change":
                                    {GET: (*NON_STAFF, OK, OK, OK)},
    "admin/reminders/exercise/<path:object_id>/":
                                    {GET: (*NON_STAFF, CHANGE, CHANGE, CHANGE)},
    # admin: plan templates (the one opened is the patient's physio's own: another physio's
    # is not found); a plan started from it is for one's own patient only
    "admin:reminders_plantemplate_changelist":
                                    {GET: (*NON_STAFF, OK, OK, OK)},
    "admin:reminders_plantemplate_add":
                                    {GET: (*NON_STAFF, OK, OK, OK)},
    "admin:reminders_plantemplate_history":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK)},
    "admin:reminders_plantemplate_delete":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK),
                                     POST: (*NON_STAFF, DONE, ADMIN_GONE, DONE)},
    "admin:reminders_plantemplate_change":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK),
                                     POST: (*NON_STAFF, DONE, ADMIN_GONE, DONE)},
    "admin:reminders_plantemplate_start_plan":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK),
                                     POST: (*NON_STAFF, CHANGE, ADMIN_GONE, CHANGE)},
    "admin/reminders/plantemplate/<path:object_id>/":
                                    {GET: (*NON_STAFF, CHANGE, CHANGE, CHANGE)},
    # admin: stretch plans (their own patients' only)
    "admin:reminders_stretchplan_changelist":
                                    {GET: (*NON_STAFF, OK, OK, OK),
                                     POST: (*NON_STAFF, DONE, DONE, DONE)},
    "admin:reminders_stretchplan_add":
                                    {GET: (*NON_STAFF, OK, OK, OK),
                                     POST: (*NON_STAFF, DONE, FORM, DONE)},
    "admin:reminders_stretchplan_history":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK)},
    "admin:reminders_stretchplan_delete":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK),
                                     POST: (*NON_STAFF, DONE, ADMIN_GONE, DONE)},
    "admin:reminders_stretchplan_change":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK),
                                     POST: (*NON_STAFF, DONE, ADMIN_GONE, DONE)},
    "admin/reminders/stretchplan/<path:object_id>/":
                                    {GET: (*NON_STAFF, CHANGE, CHANGE, CHANGE)},
    # admin: deliveries and see-a-doctor alerts (a record: read-only, their own patients')
    "admin:reminders_delivery_changelist":
                                    {GET: (*NON_STAFF, OK, OK, OK),
                                     POST: (*NON_STAFF, OK, OK, DONE)},
    "admin:reminders_delivery_add": {GET: (*NON_STAFF, NOPE, NOPE, NOPE)},
    "admin:reminders_delivery_history":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK)},
    "admin:reminders_delivery_delete":
                                    {GET: (*NON_STAFF, NOPE, NOPE, OK),
                                     POST: (*NON_STAFF, NOPE, NOPE, DONE)},
    "admin:reminders_delivery_change":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK),
                                     POST: (*NON_STAFF, NOPE, ADMIN_GONE, NOPE)},
    "admin/reminders/delivery/<path:object_id>/":
                                    {GET: (*NON_STAFF, CHANGE, CHANGE, CHANGE)},
    "admin:reminders_doctoralert_changelist":
                                    {GET: (*NON_STAFF, OK, OK, OK),
                                     POST: (*NON_STAFF, OK, OK, DONE)},
    "admin:reminders_doctoralert_add":
                                    {GET: (*NON_STAFF, NOPE, NOPE, NOPE)},
    "admin:reminders_doctoralert_history":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK)},
    "admin:reminders_doctoralert_delete":
                                    {GET: (*NON_STAFF, NOPE, NOPE, OK),
                                     POST: (*NON_STAFF, NOPE, NOPE, DONE)},
    "admin:reminders_doctoralert_change":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK),
                                     POST: (*NON_STAFF, NOPE, ADMIN_GONE, NOPE)},
    "admin/reminders/doctoralert/<path:object_id>/":
                                    {GET: (*NON_STAFF, CHANGE, CHANGE, CHANGE)},
    # admin: the audit trail of staff access (administrators read it; nobody changes it)
    "admin:kneeapp_staffaccess_changelist":
                                    {GET: (*NON_STAFF, NOPE, NOPE, OK)},
    "admin:kneeapp_staffaccess_add":
                                    {GET: (*NON_STAFF, NOPE, NOPE, NOPE)},
    "admin:kneeapp_staffaccess_history":
                                    {GET: (*NON_STAFF, NOPE, NOPE, OK)},
    "admin:kneeapp_staffaccess_delete":
                                    {GET: (*NON_STAFF, NOPE, NOPE, NOPE),
                                     POST: (*NON_STAFF, NOPE, NOPE, NOPE)},
    "admin:kneeapp_staffaccess_change":
                                    {GET: (*NON_STAFF, NOPE, NOPE, OK),
                                     POST: (*NON_STAFF, NOPE, NOPE, NOPE)},
    "admin/kneeapp/staffaccess/<path:object_id>/":
                                    {GET: (*NON_STAFF, CHANGE, CHANGE, CHANGE)},
    # admin: consent (administrators read it; a row is the patient's own act)
    "admin:kneeapp_consent_changelist":
                                    {GET: (*NON_STAFF, NOPE, NOPE, OK)},
    "admin:kneeapp_consent_add":    {GET: (*NON_STAFF, NOPE, NOPE, NOPE)},
    "admin:kneeapp_consent_history":
                                    {GET: (*NON_STAFF, NOPE, NOPE, OK)},
    "admin:kneeapp_consent_delete": {GET: (*NON_STAFF, NOPE, NOPE, NOPE),
                                     POST: (*NON_STAFF, NOPE, NOPE, NOPE)},
    "admin:kneeapp_consent_change": {GET: (*NON_STAFF, NOPE, NOPE, OK),
                                     POST: (*NON_STAFF, NOPE, NOPE, NOPE)},
    "admin/kneeapp/consent/<path:object_id>/":
                                    {GET: (*NON_STAFF, CHANGE, CHANGE, CHANGE)},
    # admin: who needs attention (a physiotherapist's own patients; a row opens the patient's
    # page; "mark reviewed" is the one action, on one's own patients only)
    "admin:reminders_patientneedingattention_changelist":
                                    {GET: (*NON_STAFF, OK, OK, OK),
                                     POST: (*NON_STAFF, DONE, DONE, DONE)},
    "admin:reminders_patientneedingattention_add":
                                    {GET: (*NON_STAFF, NOPE, NOPE, NOPE)},
    "admin:reminders_patientneedingattention_history":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK)},
    "admin:reminders_patientneedingattention_delete":
                                    {GET: (*NON_STAFF, NOPE, NOPE, NOPE),
                                     POST: (*NON_STAFF, NOPE, NOPE, NOPE)},
    "admin:reminders_patientneedingattention_change":
                                    {GET: (*NON_STAFF, CHANGE, ADMIN_GONE, CHANGE)},
    "admin/reminders/patientneedingattention/<path:object_id>/":
                                    {GET: (*NON_STAFF, CHANGE, CHANGE, CHANGE)},
    # admin: invitations (a physiotherapist sends and sees their own; none is ever edited)
    "admin:kneeapp_invitation_changelist":
                                    {GET: (*NON_STAFF, OK, OK, OK)},
    "admin:kneeapp_invitation_add": {GET: (*NON_STAFF, OK, OK, OK),
                                     POST: (*NON_STAFF, FORM, FORM, FORM)},
    "admin:kneeapp_invitation_history":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK)},
    "admin:kneeapp_invitation_delete":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK),
                                     POST: (*NON_STAFF, DONE, ADMIN_GONE, DONE)},
    "admin:kneeapp_invitation_change":
                                    {GET: (*NON_STAFF, OK, ADMIN_GONE, OK),
                                     POST: (*NON_STAFF, NOPE, ADMIN_GONE, NOPE)},
    "admin/kneeapp/invitation/<path:object_id>/":
                                    {GET: (*NON_STAFF, CHANGE, CHANGE, CHANGE)},
}
# fmt: on
