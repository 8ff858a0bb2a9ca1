using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// The validated methods of one grain interface (including those it inherits). Built once per interface and cached:
/// it depends only on the type, so the cache is as immutable as the type system.
/// </summary>
internal sealed class GrainInterfaceDescriptor
{
    private static readonly ConcurrentDictionary<Type, GrainInterfaceDescriptor> Cache = new();

    private readonly FrozenDictionary<MethodInfo, GrainMethodDescriptor> _methods;

    private GrainInterfaceDescriptor(Type interfaceType, FrozenDictionary<MethodInfo, GrainMethodDescriptor> methods)
    {
        InterfaceType = interfaceType;
        _methods = methods;
    }

    public Type InterfaceType { get; }

    /// <exception cref="InvalidGrainInterfaceException">The type is not an interface deriving from
    /// <see cref="IGrainWithStringKey"/>, or one of its methods has a signature the runtime cannot call.</exception>
    public static GrainInterfaceDescriptor Get(Type interfaceType)
    {
        ArgumentNullException.ThrowIfNull(interfaceType);
        if (Cache.TryGetValue(interfaceType, out var cached))
        {
            return cached;
        }

        // A rejected interface is not cached: it throws every time a reference to it is made.
        return Cache.GetOrAdd(interfaceType, Build(interfaceType));
    }

    public GrainMethodDescriptor GetMethod(MethodInfo method) =>
        _methods.TryGetValue(method, out var descriptor)
            ? descriptor
            : throw new ArgumentException($"{method.DeclaringType?.Name}.{method.Name} is not a method of grain interface {InterfaceType.Name}.", nameof(method));

    private static GrainInterfaceDescriptor Build(Type interfaceType)
    {
        if (!interfaceType.IsInterface || !typeof(IGrainWithStringKey).IsAssignableFrom(interfaceType))
        {
            throw new InvalidGrainInterfaceException($"{interfaceType.FullName} is not a grain interface: it must be an interface deriving from {nameof(IGrainWithStringKey)}.");
        }

        var methods = new Dictionary<MethodInfo, GrainMethodDescriptor>();
        foreach (var type in interfaceType.GetInterfaces().Append(interfaceType))
        {
            foreach (var method in type.GetMethods())
            {
                var descriptor = GrainMethodDescriptor.TryCreate(method, out var problem);
                if (descriptor is null)
                {
                    throw new InvalidGrainInterfaceException($"Grain interface {interfaceType.FullName}: method {type.Name}.{method.Name} cannot be called on a grain: {problem}.");
                }

                methods[method] = descriptor;
            }
        }

        return new GrainInterfaceDescriptor(interfaceType, methods.ToFrozenDictionary());
    }
}
