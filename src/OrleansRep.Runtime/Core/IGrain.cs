namespace OrleansRep.Runtime.Core;

/// <summary>Marker for grain interfaces: every method returns <see cref="Task"/>, <see cref="Task{T}"/>,
/// <see cref="ValueTask"/> or <see cref="ValueTask{T}"/>, and takes no ref/out parameters.</summary>
#pragma warning disable CA1040 // A marker interface, as in Orleans: it is what GetGrain and the registry constrain on.
public interface IGrain;
#pragma warning restore CA1040
