"""Every page of the workspace: sign-in and password reset, home, the collaborative's pages and invitations."""

from django.urls import path

from frontend import views, views_actionplans

urlpatterns = [
    # Signing in and out, and resetting a forgotten password.
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", views.profile, name="profile"),
    # The person's own start page.
    path("", views.home, name="home"),
    # One collaborative.
    path("c/<slug:slug>/", views.collaborative_overview, name="collaborative-overview"),
    path("c/<slug:slug>/members/", views.collaborative_members, name="collaborative-members"),
    path("c/<slug:slug>/members/<int:pk>/", views.member_change, name="collaborative-member-change"),
    path("c/<slug:slug>/members/<int:pk>/leave/", views.member_leave, name="collaborative-member-leave"),
    path(
        "c/<slug:slug>/invitations/<int:pk>/withdraw/",
        views.invitation_withdraw,
        name="collaborative-invitation-withdraw",
    ),
    path("c/<slug:slug>/audit/", views.collaborative_audit, name="collaborative-audit"),
    path("c/<slug:slug>/priorities/", views_actionplans.collaborative_priorities, name="collaborative-priorities"),
    # Accepting an invitation, signed in or not.
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
