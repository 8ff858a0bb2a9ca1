namespace OrleansRep.Runtime.Membership;

/// <summary>The membership (silos or statuses) changed; carries the new view.</summary>
public sealed class MembershipChangedEventArgs(MembershipView view) : EventArgs
{
    /// <summary>The view after the change.</summary>
    public MembershipView View { get; } = view ?? throw new ArgumentNullException(nameof(view));
}
