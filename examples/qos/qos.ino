// qos: lesson 2-2 (ESP8266 QoS 应用). The subscribe sketch with a persistent session: clean
// session 0 and a QoS 1 subscription to Taichi-Maker-Sub-<MAC>. QoS 1 messages published while the
// board is away wait on the server and arrive after it reconnects with the same client id.
// PubSubClient takes cleanSession only in its 8-argument connect(), which also wants a will: the
// willTopic / willMsg below are placeholders the tutorial uses to reach that overload (the server
// does keep them as a will).
//
// Against the lab: run `mqtt-lab --lan`, put the mqttServer line it prints in place of the one
// below, set ssid and password, upload, open the serial monitor at 115200 baud. Unplug the board,
// publish to its topic at QoS 1 in the lab, plug it back in and watch the message arrive. Without
// a board, `mqtt-lab nodemcu --pty --sketch qos` (or `new esp --sketch qos` inside the lab) runs the
// same program on a virtual NodeMCU.
//
// QoS 应用（第 2-2 课）：清除会话 = 0，以 QoS 1 订阅 Taichi-Maker-Sub-<MAC>。开发板离线期间以
// QoS 1 发布的消息留在服务端，它用同一个客户端ID 重新连上后补发。PubSubClient 只有 8 个参数的
// connect() 能设 cleanSession，而它要求遗嘱：下面的 willTopic / willMsg 是教程为此填的占位
// （服务端确实会把它们当作遗嘱）。在电脑上运行 `mqtt-lab --lan`，把它打印的 mqttServer 那一行
// 替换下面那一行，填好 Wi-Fi，上传，串口监视器设为 115200。拔掉开发板，在实验室里以 QoS 1 向它的
// 主题发布，再插上，看消息补发过来。没有开发板：`mqtt-lab nodemcu --pty --sketch qos`
// （或在实验室里 `new esp --sketch qos`）。

#include <ESP8266WiFi.h>
#include <PubSubClient.h>

const char* ssid = "taichi-maker";        // your Wi-Fi 你的 Wi-Fi 名称
const char* password = "12345678";        // its password 密码
const char* mqttServer = "192.168.1.23";  // ← the line mqtt-lab --lan prints

const int subQoS = 1;             // QoS of the subscription: PubSubClient accepts 0 or 1
const bool cleanSession = false;  // keep the session (and its QoS 1 messages) while offline

const char* willTopic = "willTopic";  // placeholders for the 8-argument connect()
const char* willMsg = "willMsg";
const int willQos = 0;
const bool willRetain = false;

WiFiClient wifiClient;
PubSubClient mqttClient(wifiClient);

void setup() {
  pinMode(LED_BUILTIN, OUTPUT);
  digitalWrite(LED_BUILTIN, HIGH);  // the LED is active-low: HIGH = off
  Serial.begin(115200);
  Serial.println();  // a clean line after the boot ROM's noise

  WiFi.mode(WIFI_STA);
  connectWifi();

  mqttClient.setServer(mqttServer, 1883);
  mqttClient.setCallback(receiveCallback);
  connectMQTTServer();
}

void loop() {
  if (mqttClient.connected()) {
    mqttClient.loop();  // receives messages (and sends their PUBACK) and keeps the heartbeat
  } else {
    connectMQTTServer();
  }
}

void connectMQTTServer() {
  // The same id every time: the server finds the session by it.
  String clientId = "esp8266-" + WiFi.macAddress();

  // id, user, password (none), will topic, will QoS, will retain, will message, clean session
  if (mqttClient.connect(clientId.c_str(), NULL, NULL, willTopic, willQos, willRetain, willMsg, cleanSession)) {
    Serial.println("MQTT Server Connected.");
    Serial.println("Server Address: ");
    Serial.println(mqttServer);
    Serial.println("ClientId:");
    Serial.println(clientId);
    subscribeTopic();
  } else {
    Serial.print("MQTT Server Connect Failed. Client State:");
    Serial.println(mqttClient.state());
    delay(5000);
  }
}

void receiveCallback(char* topic, byte* payload, unsigned int length) {
  Serial.print("Message Received [");
  Serial.print(topic);
  Serial.print("] ");
  for (unsigned int i = 0; i < length; i++) {
    Serial.print((char)payload[i]);
  }
  Serial.println("");
  Serial.print("Message Length(Bytes) ");
  Serial.println(length);

  if ((char)payload[0] == '1') {
    digitalWrite(LED_BUILTIN, LOW);  // LOW = on
  } else {
    digitalWrite(LED_BUILTIN, HIGH);  // HIGH = off
  }
  // PubSubClient sends the PUBACK of a QoS 1 message when this function returns.
}

void subscribeTopic() {
  String topicString = "Taichi-Maker-Sub-" + WiFi.macAddress();

  if (mqttClient.subscribe(topicString.c_str(), subQoS)) {
    Serial.print("Subscribe Topic: ");
    Serial.println(topicString);
  } else {
    Serial.println("Subscribe Fail...");
  }
}

void connectWifi() {
  WiFi.begin(ssid, password);
  while (WiFi.status() != WL_CONNECTED) {
    delay(1000);
    Serial.print(".");
  }
  Serial.println("");
  Serial.println("WiFi Connected!");
  Serial.println("");
}
