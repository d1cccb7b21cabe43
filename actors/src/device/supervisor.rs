//! stub
pub struct DeviceSupervisor;
pub struct DeviceSupervisorArgs;
pub enum DeviceSupervisorMsg {}
